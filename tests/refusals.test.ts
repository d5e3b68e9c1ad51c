/**
 * Every bad setting is refused before anything is declared, with the same message, whether it
 * reaches the Pulumi program or `npm run render`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { main } from "../scripts/render";
import { BAD_SETTINGS, PRODUCTION_BASE, PRODUCTION_PASSWORD } from "./helpers/bad-settings";

const STRUCTURED = ["apis", "images"];

/** A stack file as an operator would write it, with lists and objects as YAML. */
function stackFile(values: Record<string, string>): string {
  const config = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [`flip-logging:${key}`, STRUCTURED.includes(key) ? JSON.parse(value) : value]),
  );
  return YAML.stringify({ config });
}

describe("through npm run render", () => {
  it.each(BAD_SETTINGS)("%s is refused with its message and nothing is written", (_, change, message) => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "flip-refuse-"));
    fs.writeFileSync(path.join(project, "Pulumi.site.yaml"), stackFile({ ...PRODUCTION_BASE, ...change }));
    let stderr = "";
    const code = main(["--stack", "site", "--out", "out"], project, { stdout: () => undefined, stderr: (text) => (stderr += text) });
    expect(code).toBe(1);
    expect(stderr).toBe(`invalid settings:\n${message}\n`);
    expect(fs.existsSync(path.join(project, "out"))).toBe(false);
  });
});

describe("through the Pulumi program", () => {
  it.each(BAD_SETTINGS)("%s stops the program before any resource is declared", async (_, change, message) => {
    await jest.isolateModulesAsync(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { mockStack, settle } = require("./helpers/program") as typeof import("./helpers/program");
      const secrets = "grafanaAdminPassword" in change ? [] : ["grafanaAdminPassword"];
      const declared = mockStack("prod", {
        values: { ...PRODUCTION_BASE, grafanaAdminPassword: PRODUCTION_PASSWORD, ...change },
        secrets,
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(() => require("../index")).toThrow(message);
      await settle();
      expect(declared).toEqual([]);
    });
  });

  it("a valid production stack with the same base is accepted and declares its resources", async () => {
    await jest.isolateModulesAsync(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { mockStack, settle } = require("./helpers/program") as typeof import("./helpers/program");
      const declared = mockStack("prod", { values: { ...PRODUCTION_BASE, grafanaAdminPassword: PRODUCTION_PASSWORD }, secrets: ["grafanaAdminPassword"] });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(() => require("../index")).not.toThrow();
      await settle();
      expect(declared.length).toBeGreaterThan(10);
    });
  });
});
