/**
 * The Pulumi CLI's checks of a stack's config against `Pulumi.yaml`, replayed (see
 * helpers/pulumi-cli.ts for the source), on every committed stack, on a new site's stack made
 * as the README says, and on stacks that leave settings out. What passes is then parsed as the
 * program parses it, so a stack that gets past the CLI also gets past the program.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { rawConfigFromPulumi, rawConfigFromStackYaml } from "../components/plan/settings/config-source";
import { parseSettings, SETTINGS } from "../components/plan/settings";
import { projectConfigDeclarations, projectConfigDocument } from "../components/plan/settings/docs";
import { syncProjectFile } from "../scripts/sync-docs";
import { TLS } from "./helpers/tls";
import { checkStack, configSet, ProgramConfig, ProjectConfigType, StackConfig, stackConfigOf } from "./helpers/pulumi-cli";

const ROOT = path.join(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const PROJECT = YAML.parse(read("Pulumi.yaml")) as { name: string; config: Record<string, ProjectConfigType> };
const STACK_FILES = fs.readdirSync(ROOT).filter((name) => /^Pulumi\.[^.]+\.yaml$/.test(name)).sort();
const stackName = (file: string) => file.replace(/^Pulumi\.|\.yaml$/g, "");

function programConfig(stack: string, config: StackConfig): ProgramConfig {
  const result = checkStack(PROJECT.name, PROJECT.config, stack, config);
  if ("error" in result) {
    throw new Error(result.error);
  }
  return result.config;
}

/** The settings the program reads from what the CLI hands it. */
function settingsFromCli(stack: string, config: ProgramConfig) {
  return parseSettings(rawConfigFromPulumi(config.values, (key) => config.secretKeys.includes(key)), stack);
}

/** The shell words of a command line, with single and double quotes removed. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]);
}

describe("Pulumi.yaml", () => {
  it("is the config block generated from the settings' declarations", () => {
    expect(read("Pulumi.yaml")).toBe(syncProjectFile(read("Pulumi.yaml")));
    expect(read("Pulumi.yaml").endsWith(projectConfigDocument())).toBe(true);
  });

  it("declares only settings with one default in every environment, each with that default", () => {
    for (const [key, declaration] of Object.entries(PROJECT.config)) {
      const setting = SETTINGS[key as keyof typeof SETTINGS];
      expect(declaration.default).toBeDefined();
      for (const environment of ["development", "production"] as const) {
        expect(setting.defaults({ environment, stackName: "leeds" })).toEqual(declaration.default);
      }
    }
    expect(Object.keys(PROJECT.config)).toEqual(Object.keys(projectConfigDeclarations()));
  });

  it.each([["siteName"], ["grafanaAdminPassword"], ["volumeRoot"], ["restartPolicy"], ["apis"], ["images"], ["dockerHost"]])(
    "leaves %s undeclared, as its default differs by environment or stack or it is not a plain value",
    (key) => {
      expect(PROJECT.config[key]).toBeUndefined();
    },
  );
});

describe("the CLI's checks, replayed", () => {
  it.each(STACK_FILES)("%s gets past them and its config is accepted by the program", (file) => {
    const config = programConfig(stackName(file), stackConfigOf(read(file)));
    // The production file holds no password; the operator adds it, as the README says.
    // The production file holds no password, certificate or key; the operator adds them, as the README says.
    const added = {
      "flip-logging:grafanaAdminPassword": "a-long-site-password",
      "flip-logging:grafanaTlsCertificate": TLS.validCertificate,
      "flip-logging:grafanaTlsKey": TLS.validKey,
    };
    const secretKeys = ["flip-logging:grafanaAdminPassword", "flip-logging:grafanaTlsKey"];
    const settings =
      stackName(file) === "prod"
        ? settingsFromCli("prod", { values: { ...config.values, ...added }, secretKeys })
        : settingsFromCli(stackName(file), config);
    expect(settings.stackName).toBe(stackName(file));
  });

  it("a new site's stack made exactly as the README says gets past them, password encrypted, and the program accepts it", () => {
    const readme = read("README.md");
    const section = readme.slice(readme.indexOf("## A production site"), readme.indexOf("## Settings"));
    const commands = [...section.matchAll(/^\s*((?:cp|pulumi config set) .*)$/gm)].map((match) =>
      shellWords(match[1].replace(/\s+#.*$/, "").replace(/<site>/g, "leeds").replace(/<password>/g, "a-long-site-password")),
    );
    expect(commands.map((words) => words.join(" "))).toEqual([
      "cp Pulumi.prod.yaml Pulumi.leeds.yaml",
      "pulumi config set siteName leeds",
      "pulumi config set --secret grafanaAdminPassword a-long-site-password",
      "pulumi config set grafanaTlsCertificate < cert.pem",
      "pulumi config set --secret grafanaTlsKey < key.pem",
    ]);
    // The site's own certificate and key stand in for cert.pem and key.pem; `< file` gives the value.
    const files: Record<string, string> = { "cert.pem": TLS.validCertificate, "key.pem": TLS.validKey };
    let stack: StackConfig = {};
    for (const words of commands) {
      if (words[0] === "cp") {
        stack = stackConfigOf(read(words[1]));
      } else {
        const redirect = words.indexOf("<");
        const args = redirect < 0 ? words.slice(3) : [...words.slice(3, redirect), files[words[redirect + 1]]];
        stack = configSet(PROJECT.name, stack, args);
      }
    }
    expect(stack["flip-logging:grafanaAdminPassword"]).toEqual({ secure: "v1:a-long-site-password" });
    const settings = settingsFromCli("leeds", programConfig("leeds", stack));
    expect(settings.siteName).toBe("leeds");
    expect(settings.grafanaAdminPassword).toEqual({ kind: "given", value: "a-long-site-password" });
    // The render reads the same file without the passphrase and accepts it too.
    expect(() =>
      parseSettings(rawConfigFromStackYaml(YAML.stringify({ config: stack }), "Pulumi.leeds.yaml"), "leeds", { secretsReadable: false }),
    ).not.toThrow();
  });

  it("the README's lokiHosts commands, set with --path, reach the program as the list of Loki hosts", () => {
    const readme = read("README.md");
    const section = readme.slice(readme.indexOf("**Step 3: Loki's containers on other Docker hosts**"), readme.indexOf("**What it costs**"));
    const commands = [...section.matchAll(/^pulumi config set (--path .*)$/gm)].map((match) => shellWords(match[1]));
    expect(commands).toHaveLength(3);
    let stack = stackConfigOf(read("Pulumi.prod.yaml"));
    const scalable = [
      ["lokiStorage", "s3"],
      ["lokiStorageSince", "2024-01-02"],
      ["lokiS3Endpoint", "https://s3.trust.nhs.uk:9000"],
      ["lokiS3Bucket", "flip-logs"],
      ["lokiS3Region", "eu-west-2"],
      ["lokiS3AccessKeyId", "FLIPLOKI"],
      ["--secret", "lokiS3SecretAccessKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"],
      ["lokiMode", "scalable"],
      ["--secret", "grafanaAdminPassword", "a-long-site-password"],
      ["grafanaTlsCertificate", TLS.validCertificate],
      ["--secret", "grafanaTlsKey", TLS.validKey],
    ];
    for (const args of [...scalable, ...commands]) stack = configSet(PROJECT.name, stack, args);
    expect(stack["flip-logging:lokiHosts"]).toEqual(["ssh://flip@10.20.0.11", "ssh://flip@10.20.0.12", "ssh://flip@10.20.0.13"]);
    const config = programConfig("prod", stack);
    const settings = parseSettings(rawConfigFromPulumi(config.values, (key) => config.secretKeys.includes(key)), "prod");
    expect(settings.lokiHosts.map((host) => host.host)).toEqual(["10.20.0.11", "10.20.0.12", "10.20.0.13"]);
  });

  it("an empty stack file gets past them, every declared key taking its default", () => {
    const config = programConfig("scratch", {});
    expect(config.values["flip-logging:lokiPort"]).toBe("3100");
    expect(settingsFromCli("scratch", config).environment).toBe("development");
  });

  const optional = STACK_FILES.flatMap((file) => Object.keys(stackConfigOf(read(file))).map((key) => [file, key] as const));
  it.each(optional)("%s without %s still gets past them", (file, key) => {
    const stack = stackConfigOf(read(file));
    delete stack[key];
    expect(checkStack(PROJECT.name, PROJECT.config, stackName(file), stack)).toHaveProperty("config");
  });

  it("a secret nested under apis, set with --path, reaches the program as the whole list decrypted and marked secret", () => {
    const stack = configSet(PROJECT.name, stackConfigOf(read("Pulumi.prod.yaml")), ["--secret", "--path", "apis[0].env.DB_PASSWORD", "s3cret-db-pw"]);
    const config = programConfig("prod", stack);
    expect(config.secretKeys).toEqual(["flip-logging:apis"]);
    expect(JSON.parse(config.values["flip-logging:apis"])[0].env).toEqual({ DB_PASSWORD: "s3cret-db-pw" });
  });
});

describe("the replay can fail, as the CLI does", () => {
  it("names every declared key without a default that a stack leaves out", () => {
    const project = { environment: { type: "string" }, collect: { type: "string" }, lokiPort: { type: "integer", default: 3100 } };
    expect(checkStack("flip-logging", project, "dev", {})).toEqual({
      error: "Stack 'dev' is missing configuration values 'collect' and 'environment'",
    });
  });

  it("refuses a value of the wrong type", () => {
    expect(checkStack(PROJECT.name, PROJECT.config, "dev", { "flip-logging:lokiPort": "three" })).toEqual({
      error: "Stack 'dev' with configuration key 'lokiPort' must be of type 'integer'",
    });
  });

  it("refuses a key declared secret that the stack holds in plain text", () => {
    expect(checkStack("flip-logging", { token: { type: "string", secret: true, default: "x" } }, "dev", {})).toEqual({
      error: "Stack 'dev' with configuration key 'token' must be encrypted as it's secret",
    });
  });
});
