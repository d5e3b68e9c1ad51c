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

const text = (value: string): ConfigEntry => ({ value, secret: false });
const secret = (value: string): ConfigEntry => ({ value, secret: true });

/** A valid production stack; each rule test changes one key of it. */
const PRODUCTION: RawConfig = {
  environment: text("production"),
  siteName: text("leeds"),
  grafanaAdminPassword: secret("correct-horse-battery"),
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
  it.each<[string, RawConfig, string]>([
    ["a port out of range", { lokiPort: text("70000") }, '`lokiPort` is "70000", but it must be an integer port from 1 to 65535'],
    ["a port that is zero", { grafanaPort: text("0") }, '`grafanaPort` is "0", but it must be an integer port from 1 to 65535'],
    ["a port that is not an integer", { grafanaPort: text("30.5") }, '`grafanaPort` is "30.5", but it must be an integer port from 1 to 65535'],
    ["a port that is a word", { lokiPort: text("http") }, '`lokiPort` is "http", but it must be an integer port from 1 to 65535'],
    [
      "a bind address that is not an IP",
      { lokiBindAddress: text("localhost") },
      '`lokiBindAddress` is "localhost", but it must be an IPv4 or IPv6 address such as `127.0.0.1` or `0.0.0.0`',
    ],
    [
      "a Grafana bind address that is not an IP",
      { grafanaBindAddress: text("256.1.1.1") },
      '`grafanaBindAddress` is "256.1.1.1", but it must be an IPv4 or IPv6 address such as `127.0.0.1` or `0.0.0.0`',
    ],
    [
      "a retention that is not a duration",
      { retentionPeriod: text("thirty days") },
      '`retentionPeriod` is "thirty days", but it must be a duration in whole hours, days or weeks (such as `720h`, `30d` or `4w`) of at least 24h',
    ],
    [
      "a retention under 24h",
      { retentionPeriod: text("12h") },
      '`retentionPeriod` is "12h", but it must be a duration in whole hours, days or weeks (such as `720h`, `30d` or `4w`) of at least 24h',
    ],
    [
      "an unknown log level",
      { logLevel: text("WARN") },
      '`logLevel` is "WARN", but it must be one of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`',
    ],
    [
      "an unknown environment",
      { environment: text("staging") },
      '`environment` is "staging", but it must be one of `development`, `production`',
    ],
    ["an unknown collect mode", { collect: text("some") }, '`collect` is "some", but it must be one of `all`, `labelled`'],
    [
      "a relative volume root",
      { volumeRoot: text("opt/flip") },
      '`volumeRoot` is "opt/flip", but it must be an absolute path without `..` or spaces, such as `/opt/flip/volumes`',
    ],
    [
      "a site name with spaces",
      { siteName: text("st thomas") },
      '`siteName` is "st thomas", but it must be lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit',
    ],
    [
      "a site name with upper case",
      { siteName: text("Leeds") },
      '`siteName` is "Leeds", but it must be lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit',
    ],
    [
      "a site name longer than 32 characters",
      { siteName: text("a".repeat(33)) },
      `\`siteName\` is "${"a".repeat(33)}", but it must be lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit`,
    ],
    [
      "duplicate API names",
      { apis: text(JSON.stringify([{ name: "trust-api", image: "a/b:1" }, { name: "trust-api", image: "a/c:1" }])) },
      '`apis[1].name` is "trust-api", but that name is already used by another API; API names must be unique',
    ],
    [
      "an API without an image",
      { apis: text(JSON.stringify([{ name: "trust-api" }])) },
      "`apis[0].image` is missing, but every API needs an image reference such as `flip/trust-api:1.4.2`",
    ],
    [
      "an API image reference that is not valid",
      { apis: text(JSON.stringify([{ name: "trust-api", image: "Flip/Trust API:1" }])) },
      '`apis[0].image` is "Flip/Trust API:1", but it must be a Docker image reference such as `grafana/loki:3.4.0`',
    ],
    [
      "an API named like a logging service",
      { apis: text(JSON.stringify([{ name: "loki", image: "a/b:1" }])) },
      '`apis[0].name` is "loki", but `loki`, `alloy`, `grafana` name the logging services themselves',
    ],
    [
      "an API that sets LOG_LEVEL itself",
      { apis: text(JSON.stringify([{ name: "trust-api", image: "a/b:1", env: { LOG_LEVEL: "DEBUG" } }])) },
      "`apis[0].env.LOG_LEVEL` is set, but `LOG_LEVEL` comes from the `logLevel` setting for every API; remove it here",
    ],
    [
      "an API with an unknown field",
      { apis: text(JSON.stringify([{ name: "trust-api", image: "a/b:1", ports: 80 }])) },
      "`apis[0].ports` is not a field of an API; allowed fields are `name`, `image`, `port`, `env`",
    ],
    [
      "an API port out of range",
      { apis: text(JSON.stringify([{ name: "trust-api", image: "a/b:1", port: 99999 }])) },
      "`apis[0].port` is 99999, but it must be an integer port from 1 to 65535",
    ],
    ["apis that is not a list", { apis: text('{"name": "x"}') }, '`apis` is {"name":"x"}, but it must be a list of {name, image, port?, env?} objects'],
    [
      "an image override that is not a valid reference",
      { images: text(JSON.stringify({ loki: "grafana/loki:3.4.0 --debug" })) },
      '`images.loki` is "grafana/loki:3.4.0 --debug", but it must be a Docker image reference such as `grafana/loki:3.4.0`',
    ],
    [
      "an image override without a tag",
      { images: text(JSON.stringify({ grafana: "grafana/grafana" })) },
      '`images.grafana` is "grafana/grafana", but it must be pinned with a tag or digest, such as `grafana/loki:3.4.0`, so every run deploys the same image',
    ],
    [
      "an image override for an unknown service",
      { images: text(JSON.stringify({ promtail: "grafana/promtail:3.0.0" })) },
      "`images.promtail` is not an image of this stack; allowed keys are `loki`, `alloy`, `grafana`, `demo`",
    ],
    [
      "a Docker host that is neither unix:// nor ssh://",
      { dockerHost: text("tcp://10.0.0.5:2375") },
      '`dockerHost` is "tcp://10.0.0.5:2375", but it must be `unix:///path/to/docker.sock` or `ssh://[user@]host[:port]`',
    ],
    [
      "an unknown restart policy",
      { restartPolicy: text("sometimes") },
      '`restartPolicy` is "sometimes", but it must be one of `no`, `on-failure`, `always`, `unless-stopped`',
    ],
    ["a demo flag that is not a boolean", { demo: text("yes") }, '`demo` is "yes", but it must be `true` or `false`'],
    [
      "a Grafana admin password typed in plain text",
      { grafanaAdminPassword: text("hunter2hunter2") },
      "`grafanaAdminPassword` is set in plain text, but it must be a secret; set it with `pulumi config set --secret grafanaAdminPassword <password>`",
    ],
  ])("%s", (_, change, message) => {
    expect(problemsOf({ ...PRODUCTION, ...change })).toEqual([message]);
  });

  it("two published services on one address and port are refused, naming both settings", () => {
    expect(problemsOf({ ...PRODUCTION, grafanaPort: text("3100"), grafanaBindAddress: text("127.0.0.1") })).toEqual([
      "`grafanaPort` is 3100 on 127.0.0.1, which `lokiPort` already publishes on 127.0.0.1; two published services cannot share a host address and port",
    ]);
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

  it("a mistyped key is refused with the closest known key, not silently ignored", () => {
    expect(problemsOf({ ...PRODUCTION, retentionPeriode: text("48h") })).toEqual([
      "`flip-logging:retentionPeriode` is not a setting of this program; did you mean `retentionPeriod`?",
    ]);
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
