import {
  closestKey,
  ConfigEntry,
  DEFAULT_APIS,
  DEFAULT_IMAGES,
  parseSettings,
  publishedPorts,
  RawConfig,
  rawConfigFromPulumi,
  rawConfigFromStackYaml,
  SettingsError,
} from "../components/settings";
import { BAD_SETTINGS, PRODUCTION_BASE, PRODUCTION_PASSWORD } from "./helpers/bad-settings";

const text = (value: string): ConfigEntry => ({ value, secret: false });
const secret = (value: string): ConfigEntry => ({ value, secret: true });

/** A valid production stack; each rule test changes one key of it. */
const PRODUCTION: RawConfig = {
  ...Object.fromEntries(Object.entries(PRODUCTION_BASE).map(([key, value]) => [key, text(value)])),
  grafanaAdminPassword: secret(PRODUCTION_PASSWORD),
};

function problemsOf(raw: RawConfig, stack = "prod"): string[] {
  try {
    parseSettings(raw, stack);
  } catch (error) {
    if (error instanceof SettingsError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe("defaults", () => {
  it("a development stack with no settings gets the documented defaults", () => {
    const settings = parseSettings({}, "dev");
    expect(settings).toEqual({
      stackName: "dev",
      environment: "development",
      siteName: "dev",
      lokiPort: 3100,
      grafanaPort: 3000,
      lokiBindAddress: "127.0.0.1",
      grafanaBindAddress: "0.0.0.0",
      apiBindAddress: "127.0.0.1",
      grafanaAdminUser: "admin",
      grafanaAdminPassword: { kind: "generate" },
      retentionPeriod: "720h",
      logLevel: "INFO",
      volumeRoot: undefined,
      collect: "all",
      apis: DEFAULT_APIS,
      images: DEFAULT_IMAGES,
      dockerHost: undefined,
      restartPolicy: "unless-stopped",
      demo: false,
    });
  });

  it("a production stack defaults to host directories under /opt/flip/volumes and restart always", () => {
    const settings = parseSettings(PRODUCTION, "prod");
    expect(settings.volumeRoot).toBe("/opt/flip/volumes");
    expect(settings.restartPolicy).toBe("always");
    expect(settings.lokiBindAddress).toBe("127.0.0.1");
    expect(settings.grafanaAdminPassword).toEqual({ kind: "given", value: "correct-horse-battery" });
  });

  it("retention given in days or weeks is written in hours, as Loki's config shows it", () => {
    expect(parseSettings({ retentionPeriod: text("30d") }, "dev").retentionPeriod).toBe("720h");
    expect(parseSettings({ retentionPeriod: text("2w") }, "dev").retentionPeriod).toBe("336h");
    expect(parseSettings({ retentionPeriod: text("24h") }, "dev").retentionPeriod).toBe("24h");
  });

  it("an ssh Docker host is split into user, host and port for the remote commands", () => {
    expect(parseSettings({ dockerHost: text("ssh://flip@10.0.0.5:2222") }, "dev").dockerHost).toEqual({
      kind: "ssh",
      address: "ssh://flip@10.0.0.5:2222",
      user: "flip",
      host: "10.0.0.5",
      port: 2222,
    });
    expect(parseSettings({ dockerHost: text("unix:///run/docker.sock") }, "dev").dockerHost).toEqual({
      kind: "unix",
      address: "unix:///run/docker.sock",
    });
  });

  it("the APIs of a stack keep their order, ports and environment", () => {
    const apis = [{ name: "trust-api", image: "flip/trust-api:2.1.0", port: 8000, env: { DB_HOST: "db", WORKERS: 4 } }];
    expect(parseSettings({ apis: text(JSON.stringify(apis)) }, "dev").apis).toEqual([
      { name: "trust-api", image: "flip/trust-api:2.1.0", port: 8000, env: { DB_HOST: "db", WORKERS: "4" } },
    ]);
  });
});

describe("every bad setting is refused with the key, the value and what is allowed", () => {
  it.each(BAD_SETTINGS)("%s", (_, change, message) => {
    const raw: RawConfig = { ...PRODUCTION };
    for (const [key, value] of Object.entries(change)) {
      raw[key] = text(value);
    }
    expect(problemsOf(raw)).toEqual([message]);
  });


  it("a service on every address clashes with one on loopback at the same port", () => {
    expect(problemsOf({ ...PRODUCTION, grafanaPort: text("3100") })).toEqual([
      "`grafanaPort` is 3100 on 0.0.0.0, which `lokiPort` already publishes on 127.0.0.1; two published services cannot share a host address and port",
    ]);
  });

  it("an API port that clashes with Loki's is refused", () => {
    const apis = JSON.stringify([{ name: "trust-api", image: "a/b:1", port: 3100 }]);
    expect(problemsOf({ ...PRODUCTION, apis: text(apis) })).toEqual([
      "`apis[0].port` is 3100 on 127.0.0.1, which `lokiPort` already publishes on 127.0.0.1; two published services cannot share a host address and port",
    ]);
  });

  it("the same port on two different specific addresses is allowed", () => {
    expect(problemsOf({ ...PRODUCTION, grafanaPort: text("3100"), grafanaBindAddress: text("10.1.2.3") })).toEqual([]);
  });

  it("an unknown key far from any known one lists the known settings", () => {
    expect(problemsOf({ ...PRODUCTION, colour: text("blue") })[0]).toMatch(
      /^`flip-logging:colour` is not a setting of this program; known settings: environment, siteName, /,
    );
  });

  it("every problem is reported at once, so one run shows them all", () => {
    expect(problemsOf({ ...PRODUCTION, lokiPort: text("x"), logLevel: text("LOUD") })).toHaveLength(2);
  });
});

describe("production rules", () => {
  it("production refuses a missing Grafana admin password", () => {
    expect(problemsOf({ environment: text("production") })).toEqual([
      "`grafanaAdminPassword` is not set, but production requires it; set it with `pulumi config set --secret grafanaAdminPassword <password>`",
    ]);
  });

  it.each([["admin"], ["ADMIN"], ["s3cr3t-pw"]])("production refuses the Grafana password %s", (password) => {
    expect(problemsOf({ ...PRODUCTION, grafanaAdminPassword: secret(password) })).toEqual([
      `\`grafanaAdminPassword\` is [secret, ${password.length} characters], but production requires at least 12 characters and not \`admin\``,
    ]);
  });

  it("a refused password is never echoed in the message", () => {
    expect(problemsOf({ ...PRODUCTION, grafanaAdminPassword: secret("s3cr3t-pw") }).join("\n")).not.toContain("s3cr3t");
    expect(problemsOf({ ...PRODUCTION, grafanaAdminPassword: text("s3cr3t-pw-long") }).join("\n")).not.toContain("s3cr3t");
  });

  it("production refuses a restart policy that would leave the stack down after a reboot", () => {
    expect(problemsOf({ ...PRODUCTION, restartPolicy: text("on-failure") })).toEqual([
      "`restartPolicy` is `on-failure`, but production allows only `always` or `unless-stopped`, so the stack comes back after a reboot",
    ]);
  });

  it("production refuses the demo traffic generators", () => {
    expect(problemsOf({ ...PRODUCTION, demo: text("true") })).toEqual([
      "`demo` is `true`, but the demo traffic generators are for development only; set it to `false` in production",
    ]);
  });

  it("production refuses an image pinned only to latest", () => {
    expect(problemsOf({ ...PRODUCTION, images: text('{"alloy": "grafana/alloy:latest"}') })).toEqual([
      '`images.alloy` is "grafana/alloy:latest", but it must be pinned to a version in production, not `latest`',
    ]);
  });

  it("development accepts a short password and the demo", () => {
    expect(problemsOf({ grafanaAdminPassword: secret("dev"), demo: text("true") }, "dev")).toEqual([]);
  });

  it("a render, which cannot read secrets, accepts production without the password", () => {
    expect(() => parseSettings({ environment: text("production") }, "prod", { secretsReadable: false })).not.toThrow();
  });
});

describe("raw config readers", () => {
  it("a stack file is read the way Pulumi reads it: scalars as text, objects as JSON, secure values sealed", () => {
    const raw = rawConfigFromStackYaml(
      [
        "config:",
        "  flip-logging:lokiPort: 3100",
        "  flip-logging:demo: true",
        "  flip-logging:grafanaAdminPassword:",
        "    secure: v1:AAAA",
        "  flip-logging:apis:",
        "    - name: trust-api",
        "      image: flip/trust-api:1",
        "  docker:host: unix:///var/run/docker.sock",
      ].join("\n"),
    );
    expect(raw).toEqual({
      lokiPort: { value: "3100", secret: false },
      demo: { value: "true", secret: false },
      grafanaAdminPassword: { secret: true },
      apis: { value: '[{"name":"trust-api","image":"flip/trust-api:1"}]', secret: false },
    });
  });

  it("Pulumi's config map keeps only this project's keys and marks the secret ones", () => {
    const raw = rawConfigFromPulumi(
      { "flip-logging:lokiPort": "3100", "flip-logging:grafanaAdminPassword": "pw", "aws:region": "eu-west-2" },
      (key) => key === "flip-logging:grafanaAdminPassword",
    );
    expect(raw).toEqual({ lokiPort: { value: "3100", secret: false }, grafanaAdminPassword: { value: "pw", secret: true } });
  });

  it("a sealed password is kept sealed", () => {
    expect(parseSettings({ grafanaAdminPassword: { secret: true } }, "dev").grafanaAdminPassword).toEqual({ kind: "sealed" });
  });

  it.each([
    ["lokiPrt", "lokiPort"],
    ["GRAFANAPORT", "grafanaPort"],
    ["volumeroot", "volumeRoot"],
    ["zzzzzzzzzz", undefined],
  ])("the closest key to %s is %s", (typo, expected) => {
    expect(closestKey(typo)).toBe(expected);
  });

  it("published ports name the setting behind each", () => {
    expect(publishedPorts(parseSettings({}, "dev")).map((port) => `${port.key}=${port.ip}:${port.port}`)).toEqual([
      "lokiPort=127.0.0.1:3100",
      "grafanaPort=0.0.0.0:3000",
      "apis[0].port=127.0.0.1:8000",
      "apis[1].port=127.0.0.1:8010",
      "apis[2].port=127.0.0.1:8020",
    ]);
  });
});
