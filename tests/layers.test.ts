/**
 * The two layers stay apart: the pure plan imports nothing from Pulumi, so `npm run render` runs
 * without it; sibling services share only what lives below them.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const importsOf = (file: string): string[] =>
  [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/^import (?:.* from )?"([^"]+)";$/gm)].map((match) => match[1]);
const filesIn = (folder: string) => fs.readdirSync(path.join(ROOT, folder)).filter((name) => name.endsWith(".ts")).map((name) => `${folder}/${name}`);
const SERVICES = ["loki", "alloy", "grafana", "apis"];

describe("the plan layer", () => {
  it.each(filesIn("components/plan"))("%s imports nothing from Pulumi or from the resources layer", (file) => {
    expect(importsOf(file).filter((source) => source.startsWith("@pulumi/") || source.includes("resources"))).toEqual([]);
  });

  it("npm run render loads no @pulumi module at all", () => {
    const script = [
      "require('ts-node').register({ transpileOnly: true });",
      "require('./scripts/render');",
      "const loaded = Object.keys(require.cache);",
      "console.log(JSON.stringify({ pulumi: loaded.filter((f) => f.includes('/node_modules/@pulumi/')).length, total: loaded.length }));",
    ].join("\n");
    const counts = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }));
    expect(counts.pulumi).toBe(0);
  });
});

describe("the dashboard", () => {
  it("keeps its LogQL in a module that imports nothing, so queries change without the panel layout", () => {
    expect(importsOf("components/plan/dashboard-queries.ts")).toEqual([]);
  });

  it("is the one file that builds with the Foundation SDK", () => {
    const users = [...filesIn("components/plan"), ...filesIn("components/resources")].filter((file) =>
      importsOf(file).some((source) => source.startsWith("@grafana/grafana-foundation-sdk/")),
    );
    expect(users).toEqual(["components/plan/dashboard.ts"]);
  });
});

describe("sibling services", () => {
  it.each(["components/plan", "components/resources"])("in %s do not import each other", (folder) => {
    for (const service of SERVICES) {
      const siblings = SERVICES.filter((other) => other !== service).map((other) => `./${other}`);
      const file = `${folder}/${service}.ts`;
      if (fs.existsSync(path.join(ROOT, file))) {
        expect({ file, imports: importsOf(file).filter((source) => siblings.includes(source)) }).toEqual({ file, imports: [] });
      }
    }
  });
});
