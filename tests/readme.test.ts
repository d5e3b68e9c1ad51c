import * as fs from "fs";
import * as path from "path";
import { settingsTableMarkdown } from "../components/plan/settings/docs";

const PROJECT = path.join(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(PROJECT, file), "utf8");

describe("the README stays true to the code", () => {
  it("the README's settings table is the one generated from the settings' own documentation", () => {
    const readme = read("README.md");
    const table = /<!-- settings-table:start -->\n([\s\S]*?)\n<!-- settings-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(settingsTableMarkdown());
  });

  it("CI runs the test command the README gives", () => {
    expect(read("README.md")).toContain("npm ci && npm test");
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });

  it("the Layout section names every file of the plan, and every path it gives exists", () => {
    const readme = read("README.md");
    const layout = readme.slice(readme.indexOf("## Layout\n"));
    const plan = fs
      .readdirSync(path.join(PROJECT, "components/plan"), { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".ts"));
    const named = new Set([...layout.matchAll(/`([^`\s]+)`/g)].flatMap((match) => match[1].split(/[/,]/)));
    expect(plan.filter((file) => !named.has(path.basename(file)))).toEqual([]);
    const paths = [...layout.matchAll(/^\| `((?:components|scripts|config-files|tests|log_config|contract)\/[^`]*)`/gm)].map((match) => match[1]);
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((given) => !fs.existsSync(path.join(PROJECT, given)))).toEqual([]);
  });
});
