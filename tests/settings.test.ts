import { ConfigEntry, rawConfig, rawConfigFromPulumi, rawConfigFromStackYaml, SEALED, StackFileError } from "../components/plan/settings/config-source";
import { DEFAULT_APIS, DEFAULT_IMAGES } from "../components/plan/settings/apis";
import { closestKey, parseSettings, publishedPorts, SettingsError } from "../components/plan/settings";
import { renderAlloyConfig } from "../components/plan/services/alloy";
import { TLS } from "./helpers/tls";
import { BAD_SETTINGS, BadSetting, PRODUCTION_BASE, PRODUCTION_SECRETS, rowConfig } from "./helpers/bad-settings";

const text = (value: string): ConfigEntry => ({ value, secret: false });
const secret = (value: string): ConfigEntry => ({ value, secret: true });
type Entries = Record<string, ConfigEntry>;

/** A valid production stack; each rule test changes one key of it. */
const PRODUCTION: Entries = {
  ...Object.fromEntries(Object.entries(PRODUCTION_BASE).map(([key, value]) => [key, text(value)])),
  ...Object.fromEntries(Object.entries(PRODUCTION_SECRETS).map(([key, value]) => [key, secret(value)])),
};

const parse = (entries: Entries, stack = "dev", options = {}) => parseSettings(rawConfig(entries), stack, options);

function problemsOf(entries: Entries, stack = "prod", mistypedNamespaces: string[] = []): string[] {
  try {
    parseSettings(rawConfig(entries, mistypedNamespaces), stack);
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
    const settings = parse({});
    expect(settings).toEqual({
      stackName: "dev",
      environment: "development",
      siteName: "dev",
      lokiPort: 3100,
      grafanaPort: 3000,
      lokiBindAddress: "127.0.0.1",
      lokiStorage: "filesystem",
      lokiStorageSince: undefined,
      lokiS3Endpoint: undefined,
      lokiS3Bucket: undefined,
      lokiS3Region: undefined,
      lokiS3AccessKeyId: undefined,
      lokiS3SecretAccessKey: undefined,
      lokiS3PathStyle: true,
      lokiAzureAccount: undefined,
      lokiAzureContainer: undefined,
      lokiAzureAccountKey: undefined,
      lokiAzureEndpointSuffix: "blob.core.windows.net",
      lokiMode: "single",
      lokiWriteReplicas: 3,
      lokiReplicationFactor: 3,
      lokiHosts: [],
      grafanaTls: "self-signed",
      grafanaTlsCertificate: undefined,
      grafanaTlsKey: undefined,
      grafanaBindAddress: "0.0.0.0",
      apiBindAddress: "127.0.0.1",
      grafanaAdminUser: "admin",
      grafanaAdminPassword: { kind: "generate" },
      retentionPeriod: "720h",
      logLevel: "INFO",
      volumeRoot: undefined,
      collect: "all",
      redact: [],
      apis: DEFAULT_APIS,
      images: DEFAULT_IMAGES,
      dockerHost: undefined,
      restartPolicy: "unless-stopped",
      demo: false,
      alertSilentAfter: "10m",
      alertErrorPercent: 5,
      alertMinRequests: 20,
      alertSlowMs: 2000,
      alertSlowFor: "10m",
      alertEmailTo: [],
      alertEmailFrom: undefined,
      alertSmtpHost: undefined,
      alertSmtpPort: 587,
      alertSmtpUser: undefined,
      alertSmtpPassword: undefined,
      alertTeamsWebhookUrl: undefined,
      alertWebhookUrl: undefined,
    });
  });

  it("a development stack without apis runs the three FLIP APIs, but production must name its own", () => {
    expect(parse({}).apis).toEqual(DEFAULT_APIS);
    const { apis, ...withoutApis } = PRODUCTION;
    expect(apis).toBeDefined();
    expect(problemsOf(withoutApis)).toEqual([
      "`apis` is not set, but production requires the site's own list of APIs with pinned images; the defaults run `:stable` tags",
    ]);
  });

  it("a production stack defaults to host directories under /opt/flip/volumes and restart always", () => {
    const settings = parse(PRODUCTION, "prod");
    expect(settings.volumeRoot).toBe("/opt/flip/volumes");
    expect(settings.restartPolicy).toBe("always");
    expect(settings.lokiBindAddress).toBe("127.0.0.1");
    expect(settings.grafanaAdminPassword).toEqual({ kind: "given", value: "correct-horse-battery" });
  });

  it("retention given in days or weeks is written in hours, as Loki's config shows it", () => {
    expect(parse({ retentionPeriod: text("30d") }, "dev").retentionPeriod).toBe("720h");
    expect(parse({ retentionPeriod: text("2w") }, "dev").retentionPeriod).toBe("336h");
    expect(parse({ retentionPeriod: text("24h") }, "dev").retentionPeriod).toBe("24h");
  });

  it("an ssh Docker host is split into user, host and port for the remote commands", () => {
    expect(parse({ dockerHost: text("ssh://flip@10.0.0.5:2222") }, "dev").dockerHost).toEqual({
      kind: "ssh",
      address: "ssh://flip@10.0.0.5:2222",
      user: "flip",
      host: "10.0.0.5",
      port: 2222,
    });
    expect(parse({ dockerHost: text("unix:///run/docker.sock") }, "dev").dockerHost).toEqual({
      kind: "unix",
      address: "unix:///run/docker.sock",
    });
  });

  it("the APIs of a stack keep their order, ports and environment", () => {
    const apis = [{ name: "trust-api", image: "flip/trust-api:2.1.0", port: 8000, env: { DB_HOST: "db", WORKERS: 4 } }];
    expect(parse({ apis: text(JSON.stringify(apis)) }, "dev").apis).toEqual([
      { name: "trust-api", image: "flip/trust-api:2.1.0", port: 8000, env: { DB_HOST: "db", WORKERS: "4" } },
    ]);
  });

  it("two APIs that both listen on 8000 can be published on different host ports, as Compose's 8040:8000", () => {
    const apis = [
      { name: "trust-api", image: "flip/trust-api:2.1.0", port: 8000 },
      { name: "imaging-api", image: "flip/imaging-api:2.1.0", port: 8000, hostPort: 8040 },
    ];
    expect(parse({ apis: text(JSON.stringify(apis)) }).apis[1]).toEqual({
      name: "imaging-api",
      image: "flip/imaging-api:2.1.0",
      port: 8000,
      hostPort: 8040,
      env: {},
    });
  });

  it.each([
    ["a version tag", "flip/trust-api:1.4.2"],
    ["a digest", `flip/trust-api@sha256:${"a".repeat(64)}`],
    ["a tag and a digest", `registry.trust.nhs.uk:5000/flip/trust-api:1.4.2@sha256:${"b".repeat(64)}`],
    ["latest with a digest", `flip/trust-api:latest@sha256:${"c".repeat(64)}`],
  ])("production accepts an API image pinned by %s and keeps it as given", (_, image) => {
    const apis = JSON.stringify([{ name: "trust-api", image }]);
    expect(parse({ ...PRODUCTION, apis: text(apis) }, "prod").apis[0].image).toBe(image);
  });
});

describe("every bad setting is refused with the key, the value and what is allowed", () => {
  it.each(BAD_SETTINGS)("%s", (...[, change, message, options]: BadSetting) => {
    const { plain, secret: secrets } = rowConfig(change, options);
    const raw: Entries = {
      ...Object.fromEntries(Object.entries(plain).map(([key, value]) => [key, text(value)])),
      ...Object.fromEntries(Object.entries(secrets).map(([key, value]) => [key, secret(value)])),
    };
    expect(problemsOf(raw)).toEqual([message]);
  });


  it("a service on every address clashes with one on loopback at the same port", () => {
    expect(problemsOf({ ...PRODUCTION, grafanaPort: text("3100") })).toEqual([
      "`grafanaPort` is 3100 on 0.0.0.0, which `lokiPort` already publishes on 127.0.0.1; two published services cannot share a host address and port",
    ]);
  });

  it("an API port that clashes with Loki's is refused, naming the API", () => {
    const apis = JSON.stringify([{ name: "trust-api", image: "a/b:1", port: 3100 }]);
    expect(problemsOf({ ...PRODUCTION, apis: text(apis) })).toEqual([
      "`port` of API `trust-api` (apis[0]) is 3100 on 127.0.0.1, which `lokiPort` already publishes on 127.0.0.1; two published services cannot share a host address and port",
    ]);
  });

  it("an API's host port that clashes with another API's is refused, naming both", () => {
    const apis = JSON.stringify([
      { name: "trust-api", image: "a/b:1", port: 8040 },
      { name: "imaging-api", image: "a/c:1", port: 8000, hostPort: 8040 },
    ]);
    expect(problemsOf({ ...PRODUCTION, apis: text(apis) })).toEqual([
      "`hostPort` of API `imaging-api` (apis[1]) is 8040 on 127.0.0.1, which `port` of API `trust-api` (apis[0]) already publishes on 127.0.0.1; two published services cannot share a host address and port",
    ]);
  });

  it("an API without a usable name is named by its place in the list", () => {
    const apis = JSON.stringify([{ name: "Trust API", image: "a/b:1", port: 0 }]);
    expect(problemsOf({ ...PRODUCTION, apis: text(apis) })).toEqual([
      '`name` of the API at apis[0] is "Trust API", but it must be 2-40 lowercase letters, digits and hyphens, starting with a letter',
      "`port` of the API at apis[0] is 0, but it must be an integer port from 1 to 65535",
    ]);
  });

  it("the same port on two different specific addresses is allowed", () => {
    expect(problemsOf({ ...PRODUCTION, grafanaPort: text("3100"), grafanaBindAddress: text("10.1.2.3") })).toEqual([]);
  });

  it("an unknown key far from any known one lists the known settings", () => {
    expect(problemsOf({ ...PRODUCTION, colour: text("blue") })[0]).toMatch(
      /^`colour` is not a setting of this program; known settings: environment, siteName, /,
    );
  });

  it("every problem is reported at once, so one run shows them all", () => {
    expect(problemsOf({ ...PRODUCTION, lokiPort: text("x"), logLevel: text("LOUD") })).toHaveLength(2);
  });

  it("the error's message lists every problem under the stack's name, as both render and program print it", () => {
    expect(() => parse({ lokiPort: text("x"), logLevel: text("LOUD") }, "leeds")).toThrow(
      new SettingsError("leeds", [
        '`lokiPort` is "x", but it must be an integer port from 1 to 65535',
        '`logLevel` is "LOUD", but it must be one of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`',
      ]),
    );
    expect(new SettingsError("leeds", ["a", "b"]).message).toBe("invalid settings in stack `leeds`:\n  - a\n  - b");
  });

  it.each([
    ["flip-loging:grafanaPort", "`flip-loging:grafanaPort` is in the namespace `flip-loging`, which is not this project's; did you mean `flip-logging:grafanaPort`?"],
    ["flip_logging:retentionPeriode", "`flip_logging:retentionPeriode` is in the namespace `flip_logging`, which is not this project's; did you mean `flip-logging:retentionPeriod`?"],
    ["flip-logs:colour", "`flip-logs:colour` is in the namespace `flip-logs`, which is not this project's; settings live under `flip-logging:`"],
  ])("a key in a namespace a typo away, %s, is refused with the key it was meant to be", (fullKey, message) => {
    expect(problemsOf(PRODUCTION, "prod", [fullKey])).toEqual([message]);
  });

  it.each([["lokiPort"], ["siteName"], ["images"]])("%s set with --secret is refused without echoing it, as it is not a secret setting", (key) => {
    expect(problemsOf({ ...PRODUCTION, [key]: secret("hidden-value-9") })).toEqual([
      `\`${key}\` is set as a secret, but it is not secret: its value shows in container settings, previews and outputs; set it with \`pulumi config set ${key} <value>\``,
    ]);
  });

  it("a bad apis value that holds a secret is refused without echoing it", () => {
    expect(problemsOf({ ...PRODUCTION, apis: secret("hidden-value-9") })).toEqual([
      "`apis` is [secret], but it must be a list of {name, image, port?, hostPort?, env?} objects",
    ]);
    const apis = JSON.stringify([{ name: "trust-api", image: "a/b:1", env: { TOKEN: { nested: "hidden-value-9" } } }]);
    expect(problemsOf({ ...PRODUCTION, apis: secret(apis) })).toEqual([
      "`env.TOKEN` of API `trust-api` (apis[0]) is [secret], but it must be a string, number or boolean",
    ]);
  });
});

describe("redaction patterns", () => {
  it("a site's patterns are kept in order and reach Alloy's config", () => {
    const redact = [
      { name: "mrn", regex: "\\bMRN[0-9]{7}\\b" },
      { name: "pas-number", regex: "PAS-([0-9]{8})" },
    ];
    const settings = parse({ redact: text(JSON.stringify(redact)) });
    expect(settings.redact).toEqual(redact);
    expect(renderAlloyConfig(settings)).toContain("[redacted:pas-number]");
  });

  it("two patterns with one name are refused, as the marker must say which matched", () => {
    const redact = JSON.stringify([
      { name: "mrn", regex: "MRN[0-9]{7}" },
      { name: "mrn", regex: "M[0-9]{8}" },
    ]);
    expect(problemsOf({ ...PRODUCTION, redact: text(redact) })).toEqual([
      "`redact` has two patterns named `mrn`, but each marker must say which pattern matched",
    ]);
  });
});

describe("Grafana over TLS", () => {
  const certificateMode = { ...PRODUCTION };

  it("production serves the Trust's certificate and key, the key kept secret", () => {
    const settings = parse(certificateMode, "prod");
    expect(settings.grafanaTls).toBe("certificate");
    expect(settings.grafanaTlsCertificate).toBe(TLS.validCertificate);
    expect(settings.grafanaTlsKey).toEqual({ kind: "secret-text", text: TLS.validKey });
  });

  it("accepts the certificate as a secret too", () => {
    const settings = parse({ ...certificateMode, grafanaTlsCertificate: secret(TLS.validCertificate) }, "prod");
    expect(settings.grafanaTlsCertificate).toEqual({ kind: "secret-text", text: TLS.validCertificate });
  });

  it("refuses a certificate that expires within 14 days, and accepts it with more time left", () => {
    const soon = { ...certificateMode, grafanaTlsCertificate: text(TLS.soonCertificate), grafanaTlsKey: secret(TLS.soonKey) };
    expect(() => parse(soon, "prod", { now: new Date("2026-11-27T00:00:00Z") })).toThrow(
      `\`grafanaTlsCertificate\` is ${TLS.soonCertificate.length} characters of text, but it must be a certificate valid for at least 14 more days (this one expires on 2026-12-05); renew it first`,
    );
    expect(() => parse(soon, "prod", { now: new Date("2026-11-20T00:00:00Z") })).not.toThrow();
  });

  it("production without a certificate or key is refused, naming both and how to set them", () => {
    const { grafanaTlsCertificate, grafanaTlsKey, ...rest } = certificateMode;
    expect([grafanaTlsCertificate, grafanaTlsKey].every(Boolean)).toBe(true);
    expect(problemsOf(rest)).toEqual([
      "`grafanaTlsCertificate` is not set, but `grafanaTls: certificate` needs the Trust's certificate; set it with `pulumi config set grafanaTlsCertificate < cert.pem`",
      "`grafanaTlsKey` is not set, but `grafanaTls: certificate` needs its private key; set it with `pulumi config set --secret grafanaTlsKey < key.pem`",
    ]);
  });

  it("a render, which cannot read secrets, leaves a sealed key and a missing certificate to pulumi up", () => {
    const { grafanaTlsCertificate, ...rest } = certificateMode;
    expect(grafanaTlsCertificate).toBeDefined();
    expect(() => parse({ ...rest, grafanaTlsKey: { secret: true } }, "prod", { secretsReadable: false })).not.toThrow();
  });

  it("behind the site's TLS proxy, Grafana binds to loopback unless told the proxy's address", () => {
    const { grafanaTlsCertificate, grafanaTlsKey, ...rest } = certificateMode;
    expect([grafanaTlsCertificate, grafanaTlsKey].every(Boolean)).toBe(true);
    const proxied = { ...rest, grafanaTls: text("proxy") };
    expect(parse(proxied, "prod").grafanaBindAddress).toBe("127.0.0.1");
    expect(parse({ ...proxied, grafanaBindAddress: text("10.20.0.5") }, "prod").grafanaBindAddress).toBe("10.20.0.5");
  });

  it("plain HTTP on loopback is allowed in production; development gets a self-signed certificate by default", () => {
    const { grafanaTlsCertificate, grafanaTlsKey, ...rest } = certificateMode;
    expect([grafanaTlsCertificate, grafanaTlsKey].every(Boolean)).toBe(true);
    expect(problemsOf({ ...rest, grafanaTls: text("off"), grafanaBindAddress: text("127.0.0.1") })).toEqual([]);
    expect(parse({}).grafanaTls).toBe("self-signed");
  });
});

describe("production rules", () => {
  it("production refuses a missing Grafana admin password", () => {
    expect(problemsOf({ environment: text("production"), apis: PRODUCTION.apis })).toEqual([
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

  it.each([["latest"], ["stable"], ["main"], ["edge"]])("production refuses an image on the moving tag %s", (tag) => {
    expect(problemsOf({ ...PRODUCTION, images: text(`{"alloy": "grafana/alloy:${tag}"}`) })).toEqual([
      `\`images.alloy\` is "grafana/alloy:${tag}", but it must be pinned to a version or an \`@sha256:\` digest in production, not the moving tag \`${tag}\``,
    ]);
  });

  it("development accepts a moving tag, for a developer's own builds", () => {
    expect(problemsOf({ images: text('{"grafana": "grafana/grafana:main"}') }, "dev")).toEqual([]);
  });

  it("development accepts a short password and the demo", () => {
    expect(problemsOf({ grafanaAdminPassword: secret("dev"), demo: text("true") }, "dev")).toEqual([]);
  });

  it("a render, which cannot read secrets, accepts production without the password", () => {
    expect(() => parse({ environment: text("production"), apis: PRODUCTION.apis }, "prod", { secretsReadable: false })).not.toThrow();
  });
});

describe("alert settings", () => {
  const HOOK = "https://alerts.trust.nhs.uk/flip?token=t0ken-9";

  it("keeps alert durations in minutes, as Grafana's `for` and a LogQL range take them", () => {
    expect(parse({ alertSilentAfter: text("1h"), alertSlowFor: text("15m") })).toMatchObject({ alertSilentAfter: "60m", alertSlowFor: "15m" });
  });

  it("reads alert recipients separated by commas or semicolons, or as a YAML list", () => {
    const email = { alertEmailFrom: text("flip@trust.nhs.uk"), alertSmtpHost: text("10.0.0.25") };
    expect(parse({ ...email, alertEmailTo: text("a@trust.nhs.uk; b@trust.nhs.uk,c@trust.nhs.uk") }).alertEmailTo).toEqual([
      "a@trust.nhs.uk",
      "b@trust.nhs.uk",
      "c@trust.nhs.uk",
    ]);
    expect(parse({ ...email, alertEmailTo: text('["a@trust.nhs.uk","b@trust.nhs.uk"]') }).alertEmailTo).toEqual(["a@trust.nhs.uk", "b@trust.nhs.uk"]);
  });

  it.each([["alertTeamsWebhookUrl"], ["alertWebhookUrl"]])("%s is kept as a secret value", (key) => {
    expect(parse({ [key]: secret(HOOK) })[key as "alertWebhookUrl"]).toEqual({ kind: "secret-text", text: HOOK });
  });

  it.each([["alertTeamsWebhookUrl"], ["alertWebhookUrl"]])("production refuses %s over plain http, without echoing it", (key) => {
    const problems = problemsOf({ ...PRODUCTION, [key]: secret("http://alerts.trust.nhs.uk/flip?token=t0ken-9") });
    expect(problems).toEqual([
      `\`${key}\` is [secret], but production requires an \`https://\` URL, so alerts and the URL's token do not cross the network in clear text`,
    ]);
    expect(problems.join("\n")).not.toContain("t0ken-9");
  });

  it("development accepts a webhook over plain http, for a receiver on the developer's machine", () => {
    expect(problemsOf({ alertWebhookUrl: secret("http://127.0.0.1:9000/hook") }, "dev")).toEqual([]);
  });

  it.each([
    ["not a URL", "alerts.trust.nhs.uk/flip", "it must be an `http://` or `https://` URL such as `https://trust.webhook.office.com/webhookb2/...`"],
    ["another scheme", "ftp://alerts.trust.nhs.uk/flip", "it must be an `http://` or `https://` URL such as `https://trust.webhook.office.com/webhookb2/...`"],
    ["a `$`, which Grafana would expand", "https://alerts.trust.nhs.uk/flip?sig=a$b", "it holds a `$`, which Grafana's provisioning would expand as a variable; URL-encode it as `%24`"],
  ])("a webhook URL that is %s is refused without echoing it", (_, url, reason) => {
    expect(problemsOf({ ...PRODUCTION, alertWebhookUrl: secret(url) })).toEqual([`\`alertWebhookUrl\` is [secret], but ${reason}`]);
  });

  it("a render, which cannot read secrets, leaves a sealed webhook URL for pulumi up to check", () => {
    const settings = parse({ ...PRODUCTION, alertWebhookUrl: { secret: true } }, "prod", { secretsReadable: false });
    expect(settings.alertWebhookUrl).toEqual({ kind: "secret-text", text: null });
  });

  it("an SMTP password without a user is refused", () => {
    const email = { alertEmailTo: text("ops@trust.nhs.uk"), alertEmailFrom: text("flip@trust.nhs.uk"), alertSmtpHost: text("smtp.trust.nhs.uk") };
    expect(problemsOf({ ...PRODUCTION, ...email, alertSmtpPassword: secret("pw-123456") })).toEqual([
      "`alertSmtpUser` is not set, but `alertSmtpPassword` is; Grafana logs in to the SMTP server only with both",
    ]);
  });

  it("names every setting an e-mail contact point still needs", () => {
    expect(problemsOf({ ...PRODUCTION, alertSmtpHost: text("smtp.trust.nhs.uk") })).toEqual([
      "`alertEmailTo` is not set, but `alertSmtpHost` is: e-mail alerts need `alertEmailTo`, `alertEmailFrom` and `alertSmtpHost`",
      "`alertEmailFrom` is not set, but `alertSmtpHost` is: e-mail alerts need `alertEmailTo`, `alertEmailFrom` and `alertSmtpHost`",
    ]);
  });

  it("an empty SMTP password is refused", () => {
    expect(problemsOf({ ...PRODUCTION, alertSmtpPassword: secret("") })).toEqual([
      "`alertSmtpPassword` is empty; set it with `pulumi config set --secret alertSmtpPassword <value>`",
    ]);
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
        "  flip-loging:grafanaPort: 3400",
      ].join("\n"),
      "Pulumi.dev.yaml",
    );
    expect(raw).toEqual({
      entries: {
        lokiPort: { value: "3100", secret: false },
        demo: { value: "true", secret: false },
        grafanaAdminPassword: { secret: true },
        apis: { value: '[{"name":"trust-api","image":"flip/trust-api:1"}]', secret: false },
      },
      mistypedNamespaces: ["flip-loging:grafanaPort"],
    });
  });

  it("a secret nested in a structured setting makes the whole setting secret, as the CLI hands it to the program", () => {
    const raw = rawConfigFromStackYaml(
      [
        "config:",
        "  flip-logging:apis:",
        "    - name: trust-api",
        "      image: flip/trust-api:1",
        "      env:",
        "        DB_HOST: db",
        "        DB_PASSWORD:",
        "          secure: v1:AAAA",
      ].join("\n"),
      "Pulumi.dev.yaml",
    );
    expect(raw.entries.apis).toEqual({
      value: JSON.stringify([{ name: "trust-api", image: "flip/trust-api:1", env: { DB_HOST: "db", DB_PASSWORD: SEALED } }]),
      secret: true,
    });
  });

  it("a stack file that is not YAML is refused with the file, line and column", () => {
    expect(() => rawConfigFromStackYaml("config:\n  flip-logging:lokiPort: 3100\n   bad: [", "Pulumi.leeds.yaml")).toThrow(StackFileError);
    expect(() => rawConfigFromStackYaml("config:\n  flip-logging:lokiPort: 3100\n   bad: [", "Pulumi.leeds.yaml")).toThrow(
      "Pulumi.leeds.yaml:2:26: not valid YAML: Nested mappings are not allowed in compact mappings",
    );
  });

  it("Pulumi's config map keeps only this project's keys, marks the secret ones and catches namespace typos", () => {
    const raw = rawConfigFromPulumi(
      {
        "flip-logging:lokiPort": "3100",
        "flip-logging:grafanaAdminPassword": "pw",
        "aws:region": "eu-west-2",
        "docker:host": "unix:///var/run/docker.sock",
        "Flip-Logging2:demo": "true",
      },
      (key) => key === "flip-logging:grafanaAdminPassword",
    );
    expect(raw).toEqual({
      entries: { lokiPort: { value: "3100", secret: false }, grafanaAdminPassword: { value: "pw", secret: true } },
      mistypedNamespaces: ["Flip-Logging2:demo"],
    });
  });

  it("a sealed password is kept sealed", () => {
    expect(parse({ grafanaAdminPassword: { secret: true } }, "dev").grafanaAdminPassword).toEqual({ kind: "sealed" });
  });

  it("every env value of every API is kept secret when the apis setting holds a secret, and sealed ones stay sealed", () => {
    const apis = [
      { name: "trust-api", image: "flip/trust-api:1.0.0", env: { DB_HOST: "db", DB_PASSWORD: SEALED } },
      { name: "imaging-api", image: "flip/imaging-api:1.0.0", env: { PACS_URL: "https://pacs" } },
    ];
    const settings = parse({ apis: secret(JSON.stringify(apis)) });
    expect(settings.apis.map((api) => api.env)).toEqual([
      { DB_HOST: { kind: "secret-text", text: "db" }, DB_PASSWORD: { kind: "secret-text", text: null } },
      { PACS_URL: { kind: "secret-text", text: "https://pacs" } },
    ]);
    expect(settings.apis.map((api) => api.image)).toEqual(["flip/trust-api:1.0.0", "flip/imaging-api:1.0.0"]);
  });

  it("an image set as a secret inside apis is refused by the render, which can see where the secret is", () => {
    const apis = [{ name: "trust-api", image: SEALED }];
    expect(problemsOf({ ...PRODUCTION, apis: secret(JSON.stringify(apis)) })).toEqual([
      "`image` of API `trust-api` (apis[0]) is set as a secret, but an image reference is not secret; set it in plain text",
    ]);
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
    expect(publishedPorts(parse({})).map((port) => `${port.key}=${port.ip}:${port.port}`)).toEqual([
      "`lokiPort`=127.0.0.1:3100",
      "`grafanaPort`=0.0.0.0:3000",
      "`port` of API `trust-api` (apis[0])=127.0.0.1:8000",
      "`port` of API `data-access-api` (apis[1])=127.0.0.1:8010",
      "`port` of API `imaging-api` (apis[2])=127.0.0.1:8020",
    ]);
  });
});
