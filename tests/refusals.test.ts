/**
 * Every bad setting is refused before anything is declared, with the same message, whether it
 * reaches the Pulumi program or `npm run render`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { SettingsError } from "../components/plan/settings";
import { main } from "../scripts/render";
import { tryProgram } from "./helpers/program";
import { BAD_SETTINGS, BadSetting, PRODUCTION_BASE, PRODUCTION_SECRETS, rowConfig } from "./helpers/bad-settings";

const STRUCTURED = ["apis", "images", "redact"];

/** A stack file as an operator would write it, with lists and objects as YAML and secrets encrypted. */
function stackFile(values: Record<string, string>, secrets: Record<string, string> = {}): string {
  const config = Object.fromEntries([
    ...Object.entries(values).map(([key, value]) => [`flip-logging:${key}`, STRUCTURED.includes(key) ? JSON.parse(value) : value]),
    ...Object.keys(secrets).map((key) => [`flip-logging:${key}`, { secure: "v1:AAAAsealed" }]),
  ]);
  return YAML.stringify({ config });
}

// A project folder per case, removed when the file's tests end.
const projects: string[] = [];
const projectFolder = (): string => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "flip-refuse-"));
  projects.push(folder);
  return folder;
};
afterAll(() => {
  for (const folder of projects) fs.rmSync(folder, { recursive: true, force: true });
});

describe("through npm run render", () => {
  it.each(BAD_SETTINGS)("%s is refused with its message and nothing is written, where the render can see it", (...[, change, message, options]: BadSetting) => {
    const { plain, secret } = rowConfig(change, options);
    const project = projectFolder();
    fs.writeFileSync(path.join(project, "Pulumi.site.yaml"), stackFile(plain, secret));
    let stderr = "";
    const code = main(["--stack", "site", "--out", "out"], project, { stdout: () => undefined, stderr: (text) => (stderr += text) });
    if (options?.render === "cannot see") {
      // The secret is sealed in the stack file; only `pulumi up`, which decrypts it, can refuse it.
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      return;
    }
    expect(code).toBe(1);
    expect(stderr).toBe(`${new SettingsError("site", [message]).message}\n`);
    expect(fs.existsSync(path.join(project, "out"))).toBe(false);
  });
});

/**
 * What `pulumi up` prints for an error the program throws, replayed from the Node runtime's
 * uncaught-error handler (`@pulumi/pulumi/cmd/run/run.js`, `uncaughtHandler`): a `RunError`'s
 * message alone; anything else under "failed with an unhandled exception", with its stack.
 */
function whatPulumiPrints(error: unknown): string {
  // The handler's own formatter; it is not in the typed surface.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { defaultErrorMessage } = require("@pulumi/pulumi/cmd/run/error") as { defaultErrorMessage(error: unknown): string };
  if (pulumi.RunError.isInstance(error)) {
    return (error as Error).message;
  }
  return `Running program '/work/flip-logging' failed with an unhandled exception:\n${defaultErrorMessage(error)}`;
}

describe("what pulumi up prints for a bad setting", () => {
  it("is the render's text exactly, with no stack trace and no dump of the error's fields", async () => {
    const values = { ...PRODUCTION_BASE, lokiPort: "70000", logLevel: "LOUD" };
    const printed = whatPulumiPrints((await tryProgram("prod", { values: { ...values, ...PRODUCTION_SECRETS }, secrets: Object.keys(PRODUCTION_SECRETS) })).error);
    const project = projectFolder();
    fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), stackFile(values, PRODUCTION_SECRETS));
    let stderr = "";
    main(["--stack", "prod", "--out", "out"], project, { stdout: () => undefined, stderr: (text) => (stderr += text) });
    expect(`${printed}\n`).toBe(stderr);
    expect(printed).toBe(
      [
        "invalid settings in stack `prod`:",
        '  - `lokiPort` is "70000", but it must be an integer port from 1 to 65535',
        '  - `logLevel` is "LOUD", but it must be one of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`',
      ].join("\n"),
    );
    expect(printed).not.toMatch(/^\s+at /m);
    expect(printed).not.toContain("problems:");
  });

  it("would show a stack trace for a plain Error, which is why settings errors are RunErrors", () => {
    expect(whatPulumiPrints(new SettingsError("prod", ["x"]))).toMatch(/^\s+at /m);
  });
});

describe("through the Pulumi program", () => {
  it.each(BAD_SETTINGS)("%s stops the program before any resource is declared", async (...[, change, message, options]: BadSetting) => {
    const { plain, secret } = rowConfig(change, options);
    const { error, declared } = await tryProgram("prod", { values: { ...plain, ...secret }, secrets: Object.keys(secret) });
    expect(() => {
      throw error;
    }).toThrow(message);
    expect(declared).toEqual([]);
  });

  it("a valid production stack with the same base is accepted and declares its resources", async () => {
    const { error, declared } = await tryProgram("prod", {
      values: { ...PRODUCTION_BASE, ...PRODUCTION_SECRETS },
      secrets: Object.keys(PRODUCTION_SECRETS),
    });
    expect(error).toBeUndefined();
    expect(declared.length).toBeGreaterThan(10);
  });
});
