/**
 * Stack settings: one declaration per setting (its description, type, defaults per environment,
 * rule and secrecy), from which the parser, the `Settings` type, the README's settings table and
 * the `config:` block of `Pulumi.yaml` all follow. Pure: no Pulumi resources, no I/O. Everything
 * downstream trusts what `parseSettings` returns, so every rule a site can break is checked here,
 * before any resource is declared.
 */
import { closest, distance } from "fastest-levenshtein";
import { ADMIN_PASSWORD_KEY, PasswordSetting, readAdminPassword, unsetAdminPassword } from "./admin-password";
import {
  alertSettingsProblems,
  ERROR_PERCENT_RANGE,
  MIN_REQUESTS_RANGE,
  minutesRule,
  readEmailAddress,
  readEmailAddresses,
  readHost,
  readSecretText,
  readSmtpUser,
  readWebhookUrl,
  SILENT_AFTER_RANGE,
  SLOW_FOR_RANGE,
  SLOW_MS_RANGE,
  wholeNumberRule,
} from "./alert-settings";
import { apiField, ApiSettings, DEFAULT_APIS, DEFAULT_IMAGES, ImageSettings, readApis, readImages } from "./api-settings";
import { CONFIG_NAMESPACE, ConfigEntry, isPlainObject, RawConfig } from "./config-source";
import {
  always,
  asPort,
  code,
  Declaration,
  declare,
  Environment,
  ipRule,
  isWildcard,
  oneOf,
  parseJson,
  readBoolean,
  ReadContext,
  readPort,
  textRule,
} from "./declaration";
import { RedactPattern, redactPatternsProblems } from "./redaction";
import { SecretValue, secretText } from "./secrets";
import { GRAFANA_TLS_MODES, GrafanaTlsMode, grafanaTlsProblems } from "./tls";
/** Which containers Alloy collects: every container on the host, or only the labelled ones. */
export type CollectMode = "all" | "labelled";
/** Python log level names, as the Trust APIs understand them in `LOG_LEVEL`. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";
/** Docker restart policies the stack may use. */
export type RestartPolicy = "no" | "on-failure" | "always" | "unless-stopped";

/** Where the Docker engine is and how commands reach its host. */
export type DockerHost =
  | { kind: "unix"; address: string }
  | { kind: "ssh"; address: string; user?: string; host: string; port: number };

/** The production default for `volumeRoot`. */
export const PRODUCTION_VOLUME_ROOT = "/opt/flip/volumes";

/** Python's log levels, lowest first: the values of `logLevel` and of the dashboard's level dropdown. */
export const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
const PRODUCTION_RESTART_POLICIES: readonly RestartPolicy[] = ["always", "unless-stopped"];
const MIN_RETENTION_HOURS = 24;

const DURATION_UNIT_HOURS: Record<string, number> = { h: 1, d: 24, w: 168 };

const readRetention: Declaration<string>["read"] = (entry, context) => {
  const value = entry.value as string;
  const match = /^([0-9]{1,6})([hdw])$/.exec(value);
  const hours = match ? Number(match[1]) * DURATION_UNIT_HOURS[match[2]] : NaN;
  if (!(hours >= MIN_RETENTION_HOURS)) {
    context.problem(
      `${code(context.key)} is ${JSON.stringify(value)}, but it must be a duration in whole hours, days or weeks ` +
        `(such as \`720h\`, \`30d\` or \`4w\`) of at least ${MIN_RETENTION_HOURS}h`,
    );
    return undefined;
  }
  return `${hours}h`;
};

const readDockerHost: Declaration<DockerHost | undefined>["read"] = (entry, context) => {
  const value = entry.value as string;
  if (/^unix:\/\/\/[^\s]+$/.test(value)) {
    return { kind: "unix", address: value };
  }
  const ssh = /^ssh:\/\/(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::([0-9]{1,5}))?\/?$/.exec(value);
  if (ssh && (ssh[3] === undefined || asPort(ssh[3]) !== undefined)) {
    return {
      kind: "ssh",
      address: value,
      ...(ssh[1] === undefined ? {} : { user: ssh[1] }),
      host: ssh[2].replace(/^\[|\]$/g, ""),
      port: ssh[3] === undefined ? 22 : Number(ssh[3]),
    };
  }
  context.problem(
    `${code(context.key)} is ${JSON.stringify(value)}, but it must be \`unix:///path/to/docker.sock\` or \`ssh://[user@]host[:port]\``,
  );
  return undefined;
};

/**
 * Every setting, in the order the README lists them. Adding one is one entry here (and its
 * tests): the parser, the `Settings` type, the README table and `Pulumi.yaml` follow from it.
 */
export const SETTINGS = {
  environment: declare<Environment>({
    description: "Which kind of site; picks defaults and the production rules",
    type: "string",
    defaults: always("development"),
    defaultText: { development: "`development`", production: "set to `production`" },
    allowed: "`development`, `production`",
    secrecy: "plain",
    read: oneOf(["development", "production"]),
  }),
  siteName: declare<string>({
    description: "Prefix of every container, volume and network name",
    type: "string",
    defaults: (context) => context.stackName,
    defaultText: { development: "the stack name", production: "the stack name" },
    allowed: "lowercase letters, digits and inner hyphens, at most 32",
    secrecy: "plain",
    read: textRule((value) =>
      /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(value)
        ? undefined
        : "lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit",
    ),
  }),
  lokiPort: declare<number>({
    description: "Host port of Loki's API",
    type: "integer",
    defaults: always(3100),
    allowed: "1-65535",
    secrecy: "plain",
    read: readPort,
  }),
  grafanaPort: declare<number>({
    description: "Host port of Grafana",
    type: "integer",
    defaults: always(3000),
    allowed: "1-65535",
    secrecy: "plain",
    read: readPort,
  }),
  lokiBindAddress: declare<string>({
    description:
      "Host address Loki is published on. **Loki has no authentication**: anyone who reaches this address and port can read and write every log line",
    type: "string",
    defaults: always("127.0.0.1"),
    allowed: "an IPv4 or IPv6 address",
    secrecy: "plain",
    read: textRule(ipRule),
  }),
  grafanaTls: declare<GrafanaTlsMode>({
    description:
      "How Grafana is served: HTTPS with a certificate made for development, HTTPS with the Trust's certificate, plain HTTP behind the site's own TLS proxy, or plain HTTP",
    type: "string",
    defaults: (context) => (context.environment === "production" ? "certificate" : "self-signed"),
    allowed: "`self-signed`, `certificate`, `proxy`, `off`; production: `certificate`, `proxy`, or `off` on a loopback address",
    secrecy: "plain",
    read: oneOf(GRAFANA_TLS_MODES),
  }),
  grafanaTlsCertificate: declare<string | SecretValue | undefined>({
    description: "The Trust's certificate for Grafana, PEM, with any intermediates after it (`pulumi config set grafanaTlsCertificate < cert.pem`)",
    type: "PEM text",
    defaults: always(undefined),
    defaultText: { development: "unset", production: "none: required with `grafanaTls: certificate`" },
    allowed: "a PEM certificate valid for at least 14 more days, matching `grafanaTlsKey`; plain or secret",
    secrecy: "either",
    read: (entry) => (entry.secret ? secretText(entry.value ?? null) : entry.value),
  }),
  grafanaTlsKey: declare<SecretValue | undefined>({
    description: "The private key of `grafanaTlsCertificate`, PEM (`pulumi config set --secret grafanaTlsKey < key.pem`)",
    type: "secret PEM text",
    defaults: always(undefined),
    defaultText: { development: "unset", production: "none: required with `grafanaTls: certificate`" },
    allowed: "set with `--secret`; a PEM private key",
    secrecy: "secret",
    read: (entry) => secretText(entry.value ?? null),
  }),
  grafanaBindAddress: declare<string>({
    description: "Host address Grafana is published on",
    type: "string",
    defaults: (context) => (context.earlier?.grafanaTls === "proxy" ? "127.0.0.1" : "0.0.0.0"),
    defaultText: { development: "`0.0.0.0`; `127.0.0.1` with `grafanaTls: proxy`", production: "`0.0.0.0`; `127.0.0.1` with `grafanaTls: proxy`" },
    defaultFollows: ["grafanaTls"],
    allowed: "an IPv4 or IPv6 address",
    secrecy: "plain",
    read: textRule(ipRule),
  }),
  apiBindAddress: declare<string>({
    description: "Host address the Trust APIs' ports are published on",
    type: "string",
    defaults: always("127.0.0.1"),
    allowed: "an IPv4 or IPv6 address",
    secrecy: "plain",
    read: textRule(ipRule),
  }),
  grafanaAdminUser: declare<string>({
    description: "Grafana admin user",
    type: "string",
    defaults: always("admin"),
    allowed: "letters, digits, `.`, `_`, `-`, `@`; 1-64",
    secrecy: "plain",
    read: textRule((value) => (/^[A-Za-z0-9._@-]{1,64}$/.test(value) ? undefined : "1-64 letters, digits, `.`, `_`, `-` or `@`")),
  }),
  [ADMIN_PASSWORD_KEY]: declare<PasswordSetting>({
    description: "Grafana admin password (applied when Grafana first creates its database)",
    type: "secret string",
    defaults: always({ kind: "generate" }),
    defaultText: { development: "generated (exported as a secret)", production: "none: required" },
    allowed: "set with `--secret`; in production at least 12 characters and not `admin`",
    secrecy: "secret",
    read: readAdminPassword,
    unset: unsetAdminPassword,
  }),
  retentionPeriod: declare<string>({
    description: "How long Loki keeps log lines before the compactor deletes them",
    type: "duration",
    defaults: always("720h"),
    allowed: "whole hours, days or weeks (`720h`, `30d`, `4w`), at least 24h",
    secrecy: "plain",
    read: readRetention,
  }),
  logLevel: declare<LogLevel>({
    description: "`LOG_LEVEL` of every Trust API",
    type: "string",
    defaults: always("INFO"),
    allowed: "`DEBUG`, `INFO`; `WARNING` and above are refused, as the APIs would then write no request lines and look silent to the alerts",
    secrecy: "plain",
    read: oneOf(LOG_LEVELS),
  }),
  volumeRoot: declare<string | undefined>({
    description: "Host directory holding `loki/`, `grafana/` and `alloy/` data directories",
    type: "string",
    defaults: (context) => (context.environment === "production" ? PRODUCTION_VOLUME_ROOT : undefined),
    defaultText: { development: "unset (named Docker volumes)" },
    allowed: "an absolute path",
    secrecy: "plain",
    read: textRule((value) =>
      value.startsWith("/") && !value.split("/").includes("..") && !/\s/.test(value)
        ? undefined
        : "an absolute path without `..` or spaces, such as `/opt/flip/volumes`",
    ),
  }),
  collect: declare<CollectMode>({
    description:
      "Which containers Alloy collects: every container on the host, or only those labelled `org.flip.logging.enabled=true` (the stack's own and its APIs)",
    type: "string",
    // A production host may run other sites' or other teams' containers: ship only ours.
    defaults: (context) => (context.environment === "production" ? "labelled" : "all"),
    allowed: "`all`, `labelled`",
    secrecy: "plain",
    read: oneOf(["all", "labelled"]),
  }),
  redact: declare<RedactPattern[]>({
    description:
      "The site's own patterns of patient identifiers, redacted by Alloy in every line as `[redacted:<name>]`, besides NHS numbers and e-mail addresses",
    type: "list of `{name, regex}`",
    defaults: () => [],
    defaultText: { development: "none", production: "none" },
    allowed: "names of lowercase letters, digits and hyphens; RE2 regexes (Alloy's dialect) with at most one capture group, that cannot match empty text",
    secrecy: "plain",
    read(entry, context) {
      const shape = "a list of {name, regex} objects";
      const given = parseJson(entry, context, shape);
      if (!Array.isArray(given) || !given.every((item) => isPlainObject(item) && typeof item.name === "string" && typeof item.regex === "string")) {
        if (given !== undefined) {
          context.problem(`\`redact\` is ${JSON.stringify(given)}, but it must be ${shape}`);
        }
        return undefined;
      }
      const patterns = given.map((item) => ({ name: item.name as string, regex: item.regex as string }));
      const problems = redactPatternsProblems(patterns);
      problems.forEach((problem) => context.problem(problem));
      return problems.length === 0 ? patterns : undefined;
    },
  }),
  apis: declare<ApiSettings[]>({
    description:
      "The Trust API containers of the site; `port` is the port inside the container, published on `apiBindAddress` at `hostPort` (default: the same number)",
    type: "list of `{name, image, port?, hostPort?, env?}`",
    defaults: () => DEFAULT_APIS.map((api) => ({ ...api, env: { ...api.env } })),
    defaultText: { development: "the three FLIP APIs (`:stable` images)", production: "none: required" },
    allowed:
      "unique names (lowercase, digits, hyphens), pinned images, ports 1-65535, env names `[A-Za-z_][A-Za-z0-9_]*` except `LOG_LEVEL`; env values may be secrets",
    secrecy: "nested",
    read: readApis,
    unset(context) {
      if (context.production) {
        context.problem(
          "`apis` is not set, but production requires the site's own list of APIs with pinned images; the defaults run `:stable` tags",
        );
      }
      return this.defaults(context);
    },
  }),
  images: declare<ImageSettings>({
    description: "Pinned images of the services",
    type: "object `{loki?, alloy?, grafana?, demo?}`",
    defaults: always(DEFAULT_IMAGES),
    defaultText: {
      development: Object.values(DEFAULT_IMAGES).map(code).join(", "),
      production: "same",
    },
    allowed: "image references with a tag or digest; in production a version or digest, not `latest`, `stable`, `main` or `edge`",
    secrecy: "plain",
    read: readImages,
  }),
  dockerHost: declare<DockerHost | undefined>({
    description: "Where the Docker engine is; `ssh://` also runs the data-directory commands over SSH",
    type: "string",
    defaults: always(undefined),
    defaultText: { development: "unset (local socket)", production: "unset (local socket)" },
    allowed: "`unix:///path` or `ssh://[user@]host[:port]`",
    secrecy: "plain",
    read: readDockerHost,
  }),
  restartPolicy: declare<RestartPolicy>({
    description: "Restart policy of every container",
    type: "string",
    defaults: (context) => (context.environment === "production" ? "always" : "unless-stopped"),
    allowed: "`no`, `on-failure`, `always`, `unless-stopped`; production: `always`, `unless-stopped`",
    secrecy: "plain",
    read(entry, context) {
      const policy = oneOf<RestartPolicy>(["no", "on-failure", "always", "unless-stopped"])(entry, context);
      if (policy !== undefined && context.production && !PRODUCTION_RESTART_POLICIES.includes(policy)) {
        context.problem(
          `\`restartPolicy\` is \`${policy}\`, but production allows only ${PRODUCTION_RESTART_POLICIES.map(code).join(" or ")}, so the stack comes back after a reboot`,
        );
        return undefined;
      }
      return policy;
    },
  }),
  demo: declare<boolean>({
    description: "Serve each API name with a demo traffic generator (stock Python image) so the dashboard shows data at once",
    type: "boolean",
    defaults: always(false),
    allowed: "`true`, `false`; `true` only in development",
    secrecy: "plain",
    read(entry, context) {
      const demo = readBoolean(entry, context);
      if (demo === true && context.production) {
        context.problem("`demo` is `true`, but the demo traffic generators are for development only; set it to `false` in production");
        return undefined;
      }
      return demo;
    },
  }),
  alertSilentAfter: declare<string>({
    description: "Alert `API silent` when an API in `apis` has written no request line for this long",
    type: "duration",
    defaults: always("10m"),
    allowed: "whole minutes or hours (`10m`, `1h`), 5m-6h",
    secrecy: "plain",
    read: minutesRule(SILENT_AFTER_RANGE),
  }),
  alertErrorPercent: declare<number>({
    description:
      "Alert `API failing requests` when more than this percentage of an API's requests in 5 minutes end in `request.failed`, an ERROR or CRITICAL line, or a 5xx response",
    type: "integer",
    defaults: always(5),
    allowed: "1-99",
    secrecy: "plain",
    read: wholeNumberRule(ERROR_PERCENT_RANGE, "percent"),
  }),
  alertMinRequests: declare<number>({
    description: "The failing and slow alerts judge an API only when it finished at least this many requests in 5 minutes, so a quiet night pages no one",
    type: "integer",
    defaults: always(20),
    allowed: "1-100000",
    secrecy: "plain",
    read: wholeNumberRule(MIN_REQUESTS_RANGE, "requests"),
  }),
  alertSlowMs: declare<number>({
    description: "Alert `API slow` when an API's 95th percentile request time over 5 minutes is above this many milliseconds for `alertSlowFor`",
    type: "integer",
    defaults: always(2000),
    allowed: "1-600000",
    secrecy: "plain",
    read: wholeNumberRule(SLOW_MS_RANGE, "milliseconds"),
  }),
  alertSlowFor: declare<string>({
    description: "How long an API must stay slow before `API slow` fires",
    type: "duration",
    defaults: always("10m"),
    allowed: "whole minutes or hours (`10m`, `1h`), 1m-1h",
    secrecy: "plain",
    read: minutesRule(SLOW_FOR_RANGE),
  }),
  alertEmailTo: declare<string[]>({
    description: "E-mail addresses alerts are sent to (with `alertEmailFrom` and `alertSmtpHost`)",
    type: "string",
    defaults: always([]),
    defaultText: { development: "unset (no e-mail)", production: "unset (no e-mail)" },
    allowed: "e-mail addresses separated by commas, or a YAML list",
    secrecy: "plain",
    read: readEmailAddresses,
  }),
  alertEmailFrom: declare<string | undefined>({
    description: "Sender address of alert e-mails",
    type: "string",
    defaults: always(undefined),
    allowed: "one e-mail address",
    secrecy: "plain",
    read: readEmailAddress,
  }),
  alertSmtpHost: declare<string | undefined>({
    description: "SMTP server Grafana sends alert e-mails through",
    type: "string",
    defaults: always(undefined),
    allowed: "a host name or IP address",
    secrecy: "plain",
    read: readHost,
  }),
  alertSmtpPort: declare<number>({
    description: "Port of the SMTP server (587 for STARTTLS, 465 for TLS)",
    type: "integer",
    defaults: always(587),
    allowed: "1-65535",
    secrecy: "plain",
    read: readPort,
  }),
  alertSmtpUser: declare<string | undefined>({
    description: "User Grafana logs in to the SMTP server as; unset for a relay that takes mail without logging in",
    type: "string",
    defaults: always(undefined),
    allowed: "1-128 characters without spaces or `$`; needs `alertSmtpPassword`",
    secrecy: "plain",
    read: readSmtpUser,
  }),
  alertSmtpPassword: declare<SecretValue | undefined>({
    description: "Password of `alertSmtpUser`",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`",
    secrecy: "secret",
    read: readSecretText,
  }),
  alertTeamsWebhookUrl: declare<SecretValue | undefined>({
    description: "Microsoft Teams incoming webhook (or Workflows) URL alerts are posted to",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`; an `http(s)://` URL, `https://` in production",
    secrecy: "secret",
    read: readWebhookUrl,
  }),
  alertWebhookUrl: declare<SecretValue | undefined>({
    description: "URL Grafana posts alerts to as JSON (Grafana's webhook contact point)",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`; an `http(s)://` URL, `https://` in production",
    secrecy: "secret",
    read: readWebhookUrl,
  }),
};

/** The name of a setting. */
export type SettingKey = keyof typeof SETTINGS;

/** The validated settings of one stack: one field per declaration, plus the stack's name. */
export type Settings = { [K in SettingKey]: (typeof SETTINGS)[K] extends Declaration<infer T> ? T : never } & {
  /** Pulumi stack name (not a config key). */
  stackName: string;
};

/** Every setting's name, in declaration order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Thrown when a stack's settings break a rule; the message lists every problem, one per line. */
export class SettingsError extends Error {
  /** One message per broken rule. */
  readonly problems: string[];

  constructor(stackName: string, problems: string[]) {
    super([`invalid settings in stack \`${stackName}\`:`, ...problems.map((problem) => `  - ${problem}`)].join("\n"));
    this.name = "SettingsError";
    this.problems = problems;
  }
}

/** How a caller reads config. */
export interface ParseOptions {
  /**
   * False where secrets cannot be read at all (`npm run render` has no passphrase): a production
   * stack without its password is then left for `pulumi up` to refuse, as no rendered file holds it.
   */
  secretsReadable?: boolean;
  /** The time certificates are checked against; now, unless a test fixes it. */
  now?: Date;
}

/**
 * Validates a stack's raw config and returns its settings, or throws a `SettingsError` naming
 * every key that is wrong, the value given and what is allowed.
 */
export function parseSettings(raw: RawConfig, stackName: string, options: ParseOptions = {}): Settings {
  const problems: string[] = [];
  for (const fullKey of raw.mistypedNamespaces) {
    const [namespace, ...rest] = fullKey.split(":");
    const key = rest.join(":");
    const meant = SETTING_KEYS.includes(key as SettingKey) ? key : closestKey(key);
    problems.push(
      `${code(fullKey)} is in the namespace ${code(namespace)}, which is not this project's` +
        (meant ? `; did you mean ${code(`${CONFIG_NAMESPACE}:${meant}`)}?` : `; settings live under ${code(`${CONFIG_NAMESPACE}:`)}`),
    );
  }
  for (const key of Object.keys(raw.entries).sort()) {
    if (!SETTING_KEYS.includes(key as SettingKey)) {
      const hint = closestKey(key);
      problems.push(
        `${code(key)} is not a setting of this program` + (hint ? `; did you mean ${code(hint)}?` : `; known settings: ${SETTING_KEYS.join(", ")}`),
      );
    }
  }

  const values: Record<string, unknown> = {};
  const base = {
    stackName,
    secretsReadable: options.secretsReadable !== false,
    environment: "development" as Environment,
    production: false,
    earlier: values,
  };
  const contextFor = (key: string): ReadContext => ({ ...base, key, problem: (message) => problems.push(message) });
  const environment = readSetting("environment", raw.entries.environment, contextFor("environment"));
  base.environment = environment;
  base.production = environment === "production";

  values.environment = environment;
  for (const key of SETTING_KEYS.filter((known) => known !== "environment")) {
    values[key] = readSetting(key, raw.entries[key], contextFor(key));
  }
  const settings = { ...values, stackName } as Settings;
  if (problems.length === 0) {
    problems.push(
      ...publishedPortClashes(settings),
      ...grafanaTlsProblems(settings, options.now ?? new Date(), base.secretsReadable),
      ...alertSettingsProblems(settings),
    );
  }
  if (problems.length > 0) {
    throw new SettingsError(stackName, problems);
  }
  return settings;
}

function readSetting<K extends SettingKey>(key: K, entry: ConfigEntry | undefined, context: ReadContext): Settings[K] {
  const declaration = SETTINGS[key] as Declaration<Settings[K]>;
  if (entry === undefined) {
    return declaration.unset ? declaration.unset(context) : declaration.defaults(context);
  }
  if (entry.secret && declaration.secrecy === "plain") {
    // The value is not echoed: whoever set it with --secret meant it to stay unseen.
    context.problem(
      `${code(key)} is set as a secret, but it is not secret: its value shows in container settings, previews and outputs; ` +
        `set it with \`pulumi config set ${key} <value>\``,
    );
    return declaration.defaults(context);
  }
  if (!entry.secret && declaration.secrecy === "secret") {
    context.problem(`${code(key)} is set in plain text, but it must be a secret; set it with \`pulumi config set --secret ${key} <value>\``);
    return declaration.defaults(context);
  }
  if (entry.value === undefined && declaration.secrecy !== "secret" && declaration.secrecy !== "either") {
    context.problem(`${code(key)} could not be decrypted; check the stack's secrets provider`);
    return declaration.defaults(context);
  }
  return declaration.read(entry, context) ?? declaration.defaults(context);
}

/** A port published on the host, named by the setting that chose it. */
export interface PublishedPort {
  /** The setting that chose this port, as messages name it. */
  key: string;
  /** Host address. */
  ip: string;
  /** Host port. */
  port: number;
}

/** Every host address and port the stack publishes, with the setting behind each. */
export function publishedPorts(settings: Settings): PublishedPort[] {
  const ports: PublishedPort[] = [
    { key: "`lokiPort`", ip: settings.lokiBindAddress, port: settings.lokiPort },
    { key: "`grafanaPort`", ip: settings.grafanaBindAddress, port: settings.grafanaPort },
  ];
  settings.apis.forEach((api, index) => {
    if (api.port !== undefined) {
      const field = api.hostPort === undefined ? "port" : "hostPort";
      ports.push({ key: apiField(index, api.name, field), ip: settings.apiBindAddress, port: api.hostPort ?? api.port });
    }
  });
  return ports;
}

function publishedPortClashes(settings: Settings): string[] {
  const ports = publishedPorts(settings);
  const clashes: string[] = [];
  ports.forEach((first, i) => {
    for (const second of ports.slice(i + 1)) {
      // A wildcard address takes the port on every address of the host, so it clashes with any other.
      const sameAddress = first.ip === second.ip || isWildcard(first.ip) || isWildcard(second.ip);
      if (first.port === second.port && sameAddress) {
        clashes.push(
          `${second.key} is ${second.port} on ${second.ip}, which ${first.key} already publishes on ${first.ip}; ` +
            "two published services cannot share a host address and port",
        );
      }
    }
  });
  return clashes;
}

/** The known setting closest to a mistyped one, if any is close enough to be a likely typo. */
export function closestKey(key: string): string | undefined {
  const lowered = SETTING_KEYS.map((known) => known.toLowerCase());
  const best = closest(key.toLowerCase(), lowered);
  const within = distance(key.toLowerCase(), best) <= Math.max(2, Math.floor(key.length / 3));
  return within ? SETTING_KEYS[lowered.indexOf(best)] : undefined;
}

