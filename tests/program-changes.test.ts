/**
 * The program under mocks for what a site changes or adds after its first `pulumi up`: a secret
 * inside `apis`, a new `volumeRoot`, a mistyped namespace.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { main } from "../scripts/render";
import { PRODUCTION_BASE, PRODUCTION_SECRETS } from "./helpers/bad-settings";
import { declaredContainer, DeclaredOptions, DeclaredResource, isSecretInput, list, StackConfig, tryProgram, valueOf } from "./helpers/program";
import { configSet, stackConfigOf } from "./helpers/pulumi-cli";

const DB_PASSWORD = "db-pass-7f3a9c";

/** Runs the program on a config in a fresh module registry; returns what it declared and exported. */
async function run(stack: string, config: StackConfig) {
  let result: { declared: DeclaredResource[]; options: DeclaredOptions; program: typeof import("../index") } | undefined;
  await jest.isolateModulesAsync(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const helpers = require("./helpers/program") as typeof import("./helpers/program");
    const declared = helpers.mockStack(stack, config);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { program, options } = await helpers.runProgram(() => require("../index") as typeof import("../index"));
    result = { declared, options, program };
  });
  return result!;
}

describe("a secret inside apis, set with pulumi config set --secret --path", () => {
  // What the CLI hands the program: the whole list decrypted, under one secret key (see pulumi-cli.test.ts).
  const apis = JSON.parse(PRODUCTION_BASE.apis);
  apis[0].env = { DB_HOST: "db.trust.local", DB_PASSWORD };
  const config: StackConfig = {
    values: { ...PRODUCTION_BASE, apis: JSON.stringify(apis), ...PRODUCTION_SECRETS },
    secrets: ["apis", ...Object.keys(PRODUCTION_SECRETS)],
  };

  it("reaches the container, as a secret value the engine keeps secret, and nothing else", async () => {
    const { declared, program } = await run("prod", config);
    const envs = list(declaredContainer(declared, "leeds-trust-api").wire.envs);
    const secret = envs.filter(isSecretInput);
    expect(secret.map((value) => value.value)).toEqual(["DB_HOST=db.trust.local", `DB_PASSWORD=${DB_PASSWORD}`]);
    expect(envs.filter((value) => !isSecretInput(value))).toEqual(["LOG_LEVEL=INFO"]);
    for (const resource of declared) {
      const text = JSON.stringify({ ...resource.wire, envs: list(resource.wire.envs).filter((value) => !isSecretInput(value)) });
      expect(text).not.toContain(DB_PASSWORD);
    }
    const outputs = await Promise.all([program.grafanaUrl, program.lokiUrl, valueOf(program.containerNames), valueOf(program.networkName)]);
    expect(JSON.stringify(outputs)).not.toContain(DB_PASSWORD);
  });

  it("shows as [secret] in containers.json, rendered from the stack file without the passphrase", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "flip-secret-"));
    let stack = stackConfigOf(fs.readFileSync(path.join(__dirname, "..", "Pulumi.prod.yaml"), "utf8"));
    stack = configSet("flip-logging", stack, ["--secret", "--path", "apis[0].env.DB_PASSWORD", DB_PASSWORD]);
    fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), YAML.stringify({ config: stack }));
    let stderr = "";
    expect(main(["--stack", "prod", "--out", "out"], project, { stdout: () => undefined, stderr: (text) => (stderr += text) })).toBe(0);
    const containers = JSON.parse(fs.readFileSync(path.join(project, "out", "containers.json"), "utf8"));
    expect(containers.find((c: { service: string }) => c.service === "trust-api").env).toEqual({ DB_PASSWORD: "[secret]", LOG_LEVEL: "INFO" });
    expect(stderr).not.toContain(DB_PASSWORD);
  });
});

describe("a new volumeRoot in production", () => {
  const config = (volumeRoot: string): StackConfig => ({
    values: { ...PRODUCTION_BASE, volumeRoot, ...PRODUCTION_SECRETS },
    secrets: Object.keys(PRODUCTION_SECRETS),
  });

  it("changes the same unprotected creation steps in place and moves every data mount; nothing deletes the old directories", async () => {
    const before = await run("prod", config("/opt/flip/volumes"));
    const after = await run("prod", config("/srv/flip"));
    const commands = (run: { declared: DeclaredResource[] }) => run.declared.filter((r) => r.type === "command:local:Command");
    // Same names and parents, so the same URNs: the engine diffs them instead of deleting and creating.
    expect(commands(after).map((c) => c.name)).toEqual(commands(before).map((c) => c.name));
    for (const command of commands(after)) {
      const old = commands(before).find((c) => c.name === command.name)!;
      const changed = Object.keys(command.inputs).filter((key) => JSON.stringify(command.inputs[key]) !== JSON.stringify(old.inputs[key]));
      // create and update change together; with an update command the provider updates in place.
      expect(changed.sort()).toEqual(["create", "update"]);
      expect(command.inputs.create).toContain("'/srv/flip/");
      expect(command.inputs.delete).toBeUndefined();
      expect(after.options.get(`command:local:Command ${command.name}`)?.protect).toBeFalsy();
    }
    const mount = (run: { declared: DeclaredResource[] }, name: string) => list(declaredContainer(run.declared, name).inputs.mounts)[0].source;
    expect(mount(before, "leeds-loki")).toBe("/opt/flip/volumes/loki");
    expect(mount(after, "leeds-loki")).toBe("/srv/flip/loki");
  });
});

describe("a key in a mistyped namespace", () => {
  it("stops the program before anything is declared, naming the key it was meant to be", async () => {
    const { error, declared } = await tryProgram("dev", { values: { "flip-loging:grafanaPort": "3400" } });
    expect(declared).toEqual([]);
    expect((error as Error).message).toBe(
      "invalid settings in stack `dev`:\n  - `flip-loging:grafanaPort` is in the namespace `flip-loging`, which is not this project's; did you mean `flip-logging:grafanaPort`?",
    );
  });
});
