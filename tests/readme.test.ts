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
});
