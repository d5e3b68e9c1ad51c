import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { SETTING_DOCS, settingsTableMarkdown } from "../components/plan/settings";

const PROJECT = path.join(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(PROJECT, file), "utf8");

describe("the README and Pulumi.yaml stay true to the code", () => {
  it("the README's settings table is the one generated from the settings' own documentation", () => {
    const readme = read("README.md");
    const table = /<!-- settings-table:start -->\n([\s\S]*?)\n<!-- settings-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(settingsTableMarkdown());
  });

  it("Pulumi.yaml declares every setting Pulumi's project config types can describe", () => {
    const project = YAML.parse(read("Pulumi.yaml"));
    expect(project.name).toBe("flip-logging");
    expect(project.runtime.name).toBe("nodejs");
    const structured = ["apis", "images"];
    expect(Object.keys(project.config).sort()).toEqual(
      SETTING_DOCS.map((doc) => doc.key)
        .filter((key) => !structured.includes(key))
        .sort(),
    );
    for (const [key, declaration] of Object.entries<{ type: string; description: string; secret?: boolean }>(project.config)) {
      expect(["string", "integer", "boolean"]).toContain(declaration.type);
      expect(declaration.description.length).toBeGreaterThan(10);
      expect(declaration.secret ?? false).toBe(key === "grafanaAdminPassword");
    }
  });

  it("CI runs the test command the README gives", () => {
    expect(read("README.md")).toContain("npm ci && npm test");
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });
});
