/**
 * Stack settings: the one place that turns a stack's raw `flip-logging:*` config into a typed,
 * validated `Settings` object. Pure: no Pulumi resources, no I/O. Everything downstream trusts
 * what this file returns, so every rule a site can break is checked here, before any resource
 * is declared.
 */
import * as net from "net";
import * as YAML from "yaml";

/** The config namespace of every setting (the Pulumi project name). */
export const CONFIG_NAMESPACE = "flip-logging";

/** Which kind of site a stack is; it picks the defaults and the stricter production rules. */
export type Environment = "development" | "production";
/** Which containers Alloy collects: every container on the host, or only the labelled ones. */
export type CollectMode = "all" | "labelled";
/** Python log level names, as the Trust APIs understand them in `LOG_LEVEL`. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";
/** Docker restart policies the stack may use. */
export type RestartPolicy = "no" | "on-failure" | "always" | "unless-stopped";

/** One Trust API container the stack runs. */
export interface ApiSettings {
  /** API name, also the `api` and `service` label value (e.g. `trust-api`). */
  name: string;
  /** Image reference, with a tag or digest. */
  image: string;
  /** Port the API listens on inside, published on `apiBindAddress` at the same number. */
  port?: number;
  /** Extra environment variables; `LOG_LEVEL` is set from `logLevel` and cannot be given here. */
  env: Record<string, string>;
}

/** Image references of the three logging services. */
export interface ImageSettings {
  /** Grafana Loki image. */
  loki: string;
  /** Grafana Alloy image. */
  alloy: string;
  /** Grafana image. */
  grafana: string;
  /** Stock Python image the demo traffic generators run in. */
  demo: string;
}

/** Where the Docker engine is and how commands reach its host. */
export type DockerHost =
  | { kind: "unix"; address: string }
  | { kind: "ssh"; address: string; user?: string; host: string; port: number };

/**
 * How the Grafana admin password is known: given in config (a secret), to be generated
 * (development only), or sealed (encrypted in the stack file and unreadable here, as in `render`).
 */
export type PasswordSetting = { kind: "given"; value: string } | { kind: "generate" } | { kind: "sealed" };

/** The validated settings of one stack. */
export interface Settings {
  /** Pulumi stack name (not a config key). */
  stackName: string;
  /** `development` or `production`. */
  environment: Environment;
  /** Site name; prefixes every container, volume and network name. */
  siteName: string;
  /** Host port Loki is published on. */
  lokiPort: number;
  /** Host port Grafana is published on. */
  grafanaPort: number;
  /** Host address Loki is published on (Loki has no authentication). */
  lokiBindAddress: string;
  /** Host address Grafana is published on. */
  grafanaBindAddress: string;
  /** Host address the Trust APIs' ports are published on. */
  apiBindAddress: string;
  /** Grafana admin user name. */
  grafanaAdminUser: string;
  /** Grafana admin password. */
  grafanaAdminPassword: PasswordSetting;
  /** Loki retention as Loki writes it, in whole hours (e.g. `720h`). */
  retentionPeriod: string;
  /** `LOG_LEVEL` given to every Trust API. */
  logLevel: LogLevel;
  /** Host directory holding the data directories; unset means named Docker volumes. */
  volumeRoot?: string;
  /** Which containers Alloy collects. */
  collect: CollectMode;
  /** The Trust API containers. */
  apis: ApiSettings[];
  /** Images of the logging services. */
  images: ImageSettings;
  /** Docker engine address; unset means the local default socket. */
  dockerHost?: DockerHost;
  /** Restart policy of every container. */
  restartPolicy: RestartPolicy;
  /** Serve each API name with a traffic generator instead of its image (development only). */
  demo: boolean;
}

/** One raw config value as a reader found it: its text (absent when sealed) and whether it is secret. */
export interface ConfigEntry {
  /** The value as Pulumi stores it: scalars as text, lists and objects as JSON. Absent when sealed. */
  value?: string;
  /** Whether the value was set with `--secret`. */
  secret: boolean;
}

/** Raw config of one stack, keyed by the setting name without the `flip-logging:` prefix. */
export type RawConfig = Record<string, ConfigEntry>;

/** Thrown when a stack's settings break a rule; the message lists every problem, one per line. */
export class SettingsError extends Error {
  /** One message per broken rule. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.name = "SettingsError";
    this.problems = problems;
  }
}

/** Default images, pinned; a stack may override each through `images`. */
export const DEFAULT_IMAGES: ImageSettings = {
  loki: "grafana/loki:3.4.0",
  alloy: "grafana/alloy:v1.9.0",
  grafana: "grafana/grafana:11.5.0",
  demo: "python:3.11-slim",
};

/** The three FLIP APIs every Trust site runs unless its stack lists others. */
export const DEFAULT_APIS: ApiSettings[] = [
  { name: "trust-api", image: "flip/trust-api:stable", port: 8000, env: {} },
  { name: "data-access-api", image: "flip/data-access-api:stable", port: 8010, env: {} },
  { name: "imaging-api", image: "flip/imaging-api:stable", port: 8020, env: {} },
];

/** The production default for `volumeRoot`. */
export const PRODUCTION_VOLUME_ROOT = "/opt/flip/volumes";

const ENVIRONMENTS: readonly Environment[] = ["development", "production"];
const COLLECT_MODES: readonly CollectMode[] = ["all", "labelled"];
const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
const RESTART_POLICIES: readonly RestartPolicy[] = ["no", "on-failure", "always", "unless-stopped"];
const PRODUCTION_RESTART_POLICIES: readonly RestartPolicy[] = ["always", "unless-stopped"];
const API_KEYS = ["name", "image", "port", "env"];
const RESERVED_SERVICE_NAMES = ["loki", "alloy", "grafana"];
const IMAGE_KEYS = Object.keys(DEFAULT_IMAGES);
const MIN_PASSWORD_LENGTH = 12;
const MIN_RETENTION_HOURS = 24;

/** Every setting a stack may give, with its description and default, in the order the README lists them. */
export const SETTING_DOCS: ReadonlyArray<{
  key: string;
  meaning: string;
  type: string;
  development: string;
  production: string;
  allowed: string;
}> = [
  { key: "environment", meaning: "Which kind of site; picks defaults and the production rules", type: "string", development: "`development`", production: "`production`", allowed: "`development`, `production`" },
  { key: "siteName", meaning: "Prefix of every container, volume and network name", type: "string", development: "the stack name", production: "the stack name", allowed: "lowercase letters, digits and inner hyphens, at most 32" },
  { key: "lokiPort", meaning: "Host port of Loki's API", type: "integer", development: "`3100`", production: "`3100`", allowed: "1-65535" },
  { key: "grafanaPort", meaning: "Host port of Grafana", type: "integer", development: "`3000`", production: "`3000`", allowed: "1-65535" },
  { key: "lokiBindAddress", meaning: "Host address Loki is published on. **Loki has no authentication**: anyone who reaches this address and port can read and write every log line", type: "string", development: "`127.0.0.1`", production: "`127.0.0.1`", allowed: "an IPv4 or IPv6 address" },
  { key: "grafanaBindAddress", meaning: "Host address Grafana is published on", type: "string", development: "`0.0.0.0`", production: "`0.0.0.0`", allowed: "an IPv4 or IPv6 address" },
  { key: "apiBindAddress", meaning: "Host address the Trust APIs' ports are published on", type: "string", development: "`127.0.0.1`", production: "`127.0.0.1`", allowed: "an IPv4 or IPv6 address" },
  { key: "grafanaAdminUser", meaning: "Grafana admin user", type: "string", development: "`admin`", production: "`admin`", allowed: "letters, digits, `.`, `_`, `-`, `@`; 1-64" },
  { key: "grafanaAdminPassword", meaning: "Grafana admin password (applied when Grafana first creates its database)", type: "secret string", development: "generated (exported as a secret)", production: "none: required", allowed: "set with `--secret`; in production at least 12 characters and not `admin`" },
  { key: "retentionPeriod", meaning: "How long Loki keeps log lines before the compactor deletes them", type: "duration", development: "`720h`", production: "`720h`", allowed: "whole hours, days or weeks (`720h`, `30d`, `4w`), at least 24h" },
  { key: "logLevel", meaning: "`LOG_LEVEL` of every Trust API", type: "string", development: "`INFO`", production: "`INFO`", allowed: "`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`" },
  { key: "volumeRoot", meaning: "Host directory holding `loki/`, `grafana/` and `alloy/` data directories", type: "string", development: "unset (named Docker volumes)", production: "`/opt/flip/volumes`", allowed: "an absolute path" },
  { key: "collect", meaning: "Which containers Alloy collects: every container on the host, or only those labelled `org.flip.logging.enabled=true`", type: "string", development: "`all`", production: "`all`", allowed: "`all`, `labelled`" },
  { key: "apis", meaning: "The Trust API containers of the site", type: "list of `{name, image, port?, env?}`", development: "the three FLIP APIs", production: "the three FLIP APIs", allowed: "unique names (lowercase, digits, hyphens), pinned images, ports 1-65535, env names `[A-Za-z_][A-Za-z0-9_]*` except `LOG_LEVEL`" },
  { key: "images", meaning: "Pinned images of the services", type: "object `{loki?, alloy?, grafana?, demo?}`", development: "`grafana/loki:3.4.0`, `grafana/alloy:v1.9.0`, `grafana/grafana:11.5.0`, `python:3.11-slim`", production: "same", allowed: "image references with a tag or digest; not `latest` in production" },
  { key: "dockerHost", meaning: "Where the Docker engine is; `ssh://` also runs the data-directory commands over SSH", type: "string", development: "unset (local socket)", production: "unset (local socket)", allowed: "`unix:///path` or `ssh://[user@]host[:port]`" },
  { key: "restartPolicy", meaning: "Restart policy of every container", type: "string", development: "`unless-stopped`", production: "`always`", allowed: "`no`, `on-failure`, `always`, `unless-stopped`; production: `always`, `unless-stopped`" },
  { key: "demo", meaning: "Serve each API name with a demo traffic generator (stock Python image) so the dashboard shows data at once", type: "boolean", development: "`false`", production: "`false`", allowed: "`true`, `false`; `true` only in development" },
];

const KNOWN_KEYS = SETTING_DOCS.map((doc) => doc.key);

/** How a caller reads config. */
export interface ParseOptions {
  /**
   * False where secrets cannot be read at all (`npm run render` has no passphrase): a production
   * stack without its password is then left for `pulumi up` to refuse, as no rendered file holds it.
   */
  secretsReadable?: boolean;
}

/**
 * Validates a stack's raw config and returns its settings, or throws a `SettingsError` naming
 * every key that is wrong, the value given and what is allowed.
 */
export function parseSettings(raw: RawConfig, stackName: string, options: ParseOptions = {}): Settings {
  const problems: string[] = [];
  const reader = new Reader(raw, problems);

  for (const key of Object.keys(raw).sort()) {
    if (!KNOWN_KEYS.includes(key)) {
      const hint = closestKey(key);
      problems.push(
        `\`${CONFIG_NAMESPACE}:${key}\` is not a setting of this program` +
          (hint ? `; did you mean \`${hint}\`?` : `; known settings: ${KNOWN_KEYS.join(", ")}`),
      );
    }
  }

  const environment = reader.oneOf("environment", ENVIRONMENTS, "development");
  const production = environment === "production";
  const siteName = reader.text("siteName", stackName, (value) =>
    /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(value)
      ? undefined
      : "lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit",
  );
  const lokiPort = reader.port("lokiPort", 3100);
  const grafanaPort = reader.port("grafanaPort", 3000);
  const lokiBindAddress = reader.text("lokiBindAddress", "127.0.0.1", ipRule);
  const grafanaBindAddress = reader.text("grafanaBindAddress", "0.0.0.0", ipRule);
  const apiBindAddress = reader.text("apiBindAddress", "127.0.0.1", ipRule);
  const grafanaAdminUser = reader.text("grafanaAdminUser", "admin", (value) =>
    /^[A-Za-z0-9._@-]{1,64}$/.test(value) ? undefined : "1-64 letters, digits, `.`, `_`, `-` or `@`",
  );
  const grafanaAdminPassword = readPassword(raw, production && options.secretsReadable !== false, problems);
  const retentionPeriod = readRetention(reader);
  const logLevel = reader.oneOf("logLevel", LOG_LEVELS, "INFO");
  const volumeRoot = reader.optionalText("volumeRoot", production ? PRODUCTION_VOLUME_ROOT : undefined, (value) =>
    value.startsWith("/") && !value.split("/").includes("..") && !/\s/.test(value)
      ? undefined
      : "an absolute path without `..` or spaces, such as `/opt/flip/volumes`",
  );
  const collect = reader.oneOf("collect", COLLECT_MODES, "all");
  const images = readImages(reader, production);
  const apis = readApis(reader, production);
  const dockerHost = readDockerHost(reader);
  const restartPolicy = reader.oneOf("restartPolicy", RESTART_POLICIES, production ? "always" : "unless-stopped");
  if (production && !PRODUCTION_RESTART_POLICIES.includes(restartPolicy)) {
    problems.push(
      `\`restartPolicy\` is \`${restartPolicy}\`, but production allows only ${PRODUCTION_RESTART_POLICIES.map(code).join(" or ")}, so the stack comes back after a reboot`,
    );
  }
  const demo = reader.bool("demo", false);
  if (production && demo) {
    problems.push("`demo` is `true`, but the demo traffic generators are for development only; set it to `false` in production");
  }

  const settings: Settings = {
    stackName,
    environment,
    siteName,
    lokiPort,
    grafanaPort,
    lokiBindAddress,
    grafanaBindAddress,
    apiBindAddress,
    grafanaAdminUser,
    grafanaAdminPassword,
    retentionPeriod,
    logLevel,
    volumeRoot,
    collect,
    apis,
    images,
    dockerHost,
    restartPolicy,
    demo,
  };
  if (problems.length === 0) {
    problems.push(...publishedPortClashes(settings));
  }
  if (problems.length > 0) {
    throw new SettingsError(problems);
  }
  return settings;
}

/** A port published on the host, named by the setting that chose it. */
export interface PublishedPort {
  /** The setting (or `apis[i].port`) that chose this port. */
  key: string;
  /** Host address. */
  ip: string;
  /** Host port. */
  port: number;
}

/** Every host address and port the stack publishes, with the setting behind each. */
export function publishedPorts(settings: Settings): PublishedPort[] {
  const ports: PublishedPort[] = [
    { key: "lokiPort", ip: settings.lokiBindAddress, port: settings.lokiPort },
    { key: "grafanaPort", ip: settings.grafanaBindAddress, port: settings.grafanaPort },
  ];
  settings.apis.forEach((api, index) => {
    if (api.port !== undefined) {
      ports.push({ key: `apis[${index}].port`, ip: settings.apiBindAddress, port: api.port });
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
          `\`${second.key}\` is ${second.port} on ${second.ip}, which \`${first.key}\` already publishes on ${first.ip}; ` +
            "two published services cannot share a host address and port",
        );
      }
    }
  });
  return clashes;
}

function isWildcard(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::";
}

function ipRule(value: string): string | undefined {
  return net.isIP(value) ? undefined : "an IPv4 or IPv6 address such as `127.0.0.1` or `0.0.0.0`";
}

function code(value: string): string {
  return `\`${value}\``;
}

/** Reads one raw key after another, recording a problem (and returning the default) on bad input. */
class Reader {
  constructor(
    private readonly raw: RawConfig,
    private readonly problems: string[],
  ) {}

  /** The raw text of a key, or undefined when unset. */
  value(key: string): string | undefined {
    return this.raw[key]?.value;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  text(key: string, fallback: string, rule: (value: string) => string | undefined): string {
    return this.optionalText(key, fallback, rule) ?? fallback;
  }

  optionalText(key: string, fallback: string | undefined, rule: (value: string) => string | undefined): string | undefined {
    const value = this.value(key);
    if (value === undefined) {
      return fallback;
    }
    const allowed = rule(value);
    if (allowed !== undefined) {
      this.problem(`\`${key}\` is ${JSON.stringify(value)}, but it must be ${allowed}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.value(key);
    if (value === undefined) {
      return fallback;
    }
    if (!(allowed as readonly string[]).includes(value)) {
      this.problem(`\`${key}\` is ${JSON.stringify(value)}, but it must be one of ${allowed.map(code).join(", ")}`);
      return fallback;
    }
    return value as T;
  }

  port(key: string, fallback: number): number {
    const value = this.value(key);
    if (value === undefined) {
      return fallback;
    }
    return checkPort(key, value, this) ?? fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.value(key);
    if (value === undefined) {
      return fallback;
    }
    if (value !== "true" && value !== "false") {
      this.problem(`\`${key}\` is ${JSON.stringify(value)}, but it must be \`true\` or \`false\``);
      return fallback;
    }
    return value === "true";
  }

  json(key: string, shape: string): unknown {
    const value = this.value(key);
    if (value === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(value);
    } catch {
      this.problem(`\`${key}\` is ${JSON.stringify(value)}, but it must be ${shape}`);
      return undefined;
    }
  }
}

function checkPort(key: string, value: unknown, reader: Reader): number | undefined {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text === "string" && /^[0-9]{1,5}$/.test(text)) {
    const port = Number(text);
    if (port >= 1 && port <= 65535) {
      return port;
    }
  }
  reader.problem(`\`${key}\` is ${JSON.stringify(value)}, but it must be an integer port from 1 to 65535`);
  return undefined;
}

function readPassword(raw: RawConfig, required: boolean, problems: string[]): PasswordSetting {
  const key = "grafanaAdminPassword";
  const entry = raw[key];
  if (entry === undefined) {
    if (required) {
      problems.push(
        `\`${key}\` is not set, but production requires it; set it with \`pulumi config set --secret ${key} <password>\``,
      );
    }
    return { kind: "generate" };
  }
  if (!entry.secret) {
    // The value itself is never echoed: it may be a real password typed without --secret.
    problems.push(
      `\`${key}\` is set in plain text, but it must be a secret; set it with \`pulumi config set --secret ${key} <password>\``,
    );
    return { kind: "generate" };
  }
  if (entry.value === undefined) {
    return { kind: "sealed" };
  }
  if (required && (entry.value.length < MIN_PASSWORD_LENGTH || entry.value.toLowerCase() === "admin")) {
    problems.push(
      `\`${key}\` is [secret, ${entry.value.length} characters], but production requires at least ${MIN_PASSWORD_LENGTH} characters and not \`admin\``,
    );
  }
  if (entry.value.length === 0) {
    problems.push(`\`${key}\` is empty, but it must be a password`);
  }
  return { kind: "given", value: entry.value };
}

const DURATION_UNIT_HOURS: Record<string, number> = { h: 1, d: 24, w: 168 };

function readRetention(reader: Reader): string {
  const key = "retentionPeriod";
  const value = reader.value(key);
  if (value === undefined) {
    return "720h";
  }
  const match = /^([0-9]{1,6})([hdw])$/.exec(value);
  const hours = match ? Number(match[1]) * DURATION_UNIT_HOURS[match[2]] : NaN;
  if (!(hours >= MIN_RETENTION_HOURS)) {
    reader.problem(
      `\`${key}\` is ${JSON.stringify(value)}, but it must be a duration in whole hours, days or weeks ` +
        `(such as \`720h\`, \`30d\` or \`4w\`) of at least ${MIN_RETENTION_HOURS}h`,
    );
    return "720h";
  }
  return `${hours}h`;
}

// Docker's reference grammar: [domain[:port]/]path[:tag][@digest], path components in lowercase.
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/;

/** Checks an image reference; returns what is allowed when it is not acceptable. */
export function imageProblem(image: string, production: boolean): string | undefined {
  const match = IMAGE_REFERENCE.exec(image);
  if (!match) {
    return "a Docker image reference such as `grafana/loki:3.4.0`";
  }
  const [, tag, digest] = match;
  if (tag === undefined && digest === undefined) {
    return "pinned with a tag or digest, such as `grafana/loki:3.4.0`, so every run deploys the same image";
  }
  if (production && tag === "latest" && digest === undefined) {
    return "pinned to a version in production, not `latest`";
  }
  return undefined;
}

/** Records a problem unless `image` is an acceptable image reference; says whether it was. */
function checkImage(key: string, image: unknown, production: boolean, reader: Reader): boolean {
  const problem = typeof image === "string" ? imageProblem(image, production) : "a Docker image reference string";
  if (problem) {
    reader.problem(`\`${key}\` is ${JSON.stringify(image)}, but it must be ${problem}`);
  }
  return problem === undefined;
}

function readImages(reader: Reader, production: boolean): ImageSettings {
  const images = { ...DEFAULT_IMAGES };
  const given = reader.json("images", "an object such as {\"loki\": \"grafana/loki:3.4.0\"}");
  if (given === undefined) {
    return images;
  }
  if (!isPlainObject(given)) {
    reader.problem(`\`images\` is ${JSON.stringify(given)}, but it must be an object with keys ${IMAGE_KEYS.map(code).join(", ")}`);
    return images;
  }
  for (const [name, image] of Object.entries(given)) {
    if (!IMAGE_KEYS.includes(name)) {
      reader.problem(`\`images.${name}\` is not an image of this stack; allowed keys are ${IMAGE_KEYS.map(code).join(", ")}`);
      continue;
    }
    if (checkImage(`images.${name}`, image, production, reader)) {
      images[name as keyof ImageSettings] = image as string;
    }
  }
  return images;
}

function readApis(reader: Reader, production: boolean): ApiSettings[] {
  const given = reader.json("apis", "a list of {name, image, port?, env?} objects");
  if (given === undefined) {
    return DEFAULT_APIS.map((api) => ({ ...api, env: { ...api.env } }));
  }
  if (!Array.isArray(given)) {
    reader.problem(`\`apis\` is ${JSON.stringify(given)}, but it must be a list of {name, image, port?, env?} objects`);
    return [];
  }
  const apis: ApiSettings[] = [];
  const seen = new Set<string>();
  given.forEach((item: unknown, index) => {
    const at = `apis[${index}]`;
    if (!isPlainObject(item)) {
      reader.problem(`\`${at}\` is ${JSON.stringify(item)}, but it must be an object {name, image, port?, env?}`);
      return;
    }
    for (const key of Object.keys(item)) {
      if (!API_KEYS.includes(key)) {
        reader.problem(`\`${at}.${key}\` is not a field of an API; allowed fields are ${API_KEYS.map(code).join(", ")}`);
      }
    }
    const { name, image, port, env } = item;
    if (typeof name !== "string" || !/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/.test(name)) {
      reader.problem(
        `\`${at}.name\` is ${JSON.stringify(name)}, but it must be 2-40 lowercase letters, digits and hyphens, starting with a letter`,
      );
    } else if (RESERVED_SERVICE_NAMES.includes(name)) {
      reader.problem(
        `\`${at}.name\` is ${JSON.stringify(name)}, but ${RESERVED_SERVICE_NAMES.map(code).join(", ")} name the logging services themselves`,
      );
    } else if (seen.has(name)) {
      reader.problem(`\`${at}.name\` is ${JSON.stringify(name)}, but that name is already used by another API; API names must be unique`);
    } else {
      seen.add(name);
    }
    if (image === undefined) {
      reader.problem(`\`${at}.image\` is missing, but every API needs an image reference such as \`flip/trust-api:1.4.2\``);
    } else {
      checkImage(`${at}.image`, image, production, reader);
    }
    const checkedPort = port === undefined ? undefined : checkPort(`${at}.port`, port, reader);
    const checkedEnv = readApiEnv(`${at}.env`, env, reader);
    apis.push({
      name: String(name),
      image: String(image),
      ...(checkedPort === undefined ? {} : { port: checkedPort }),
      env: checkedEnv,
    });
  });
  return apis;
}

function readApiEnv(at: string, env: unknown, reader: Reader): Record<string, string> {
  if (env === undefined) {
    return {};
  }
  if (!isPlainObject(env)) {
    reader.problem(`\`${at}\` is ${JSON.stringify(env)}, but it must be an object of NAME: value pairs`);
    return {};
  }
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      reader.problem(`\`${at}\` has the variable name ${JSON.stringify(name)}, but names must match [A-Za-z_][A-Za-z0-9_]*`);
    } else if (name === "LOG_LEVEL") {
      reader.problem(`\`${at}.LOG_LEVEL\` is set, but \`LOG_LEVEL\` comes from the \`logLevel\` setting for every API; remove it here`);
    } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      checked[name] = String(value);
    } else {
      reader.problem(`\`${at}.${name}\` is ${JSON.stringify(value)}, but it must be a string, number or boolean`);
    }
  }
  return checked;
}

function readDockerHost(reader: Reader): DockerHost | undefined {
  const key = "dockerHost";
  const value = reader.value(key);
  if (value === undefined) {
    return undefined;
  }
  const unix = /^unix:\/\/(\/[^\s]+)$/.exec(value);
  if (unix) {
    return { kind: "unix", address: value };
  }
  const ssh = /^ssh:\/\/(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::([0-9]{1,5}))?\/?$/.exec(value);
  if (ssh && (ssh[3] === undefined || (Number(ssh[3]) >= 1 && Number(ssh[3]) <= 65535))) {
    return {
      kind: "ssh",
      address: value,
      ...(ssh[1] === undefined ? {} : { user: ssh[1] }),
      host: ssh[2].replace(/^\[|\]$/g, ""),
      port: ssh[3] === undefined ? 22 : Number(ssh[3]),
    };
  }
  reader.problem(
    `\`${key}\` is ${JSON.stringify(value)}, but it must be \`unix:///path/to/docker.sock\` or \`ssh://[user@]host[:port]\``,
  );
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The known setting closest to a mistyped one, if any is close enough to be a likely typo. */
export function closestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of KNOWN_KEYS) {
    const distance = editDistance(key.toLowerCase(), known.toLowerCase());
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Raw config from the text of a `Pulumi.<stack>.yaml` file, read the way Pulumi reads it:
 * scalars as text, lists and objects as JSON, `secure:` values as sealed secrets.
 */
export function rawConfigFromStackYaml(text: string): RawConfig {
  const document = YAML.parse(text) as { config?: Record<string, unknown> } | null;
  const raw: RawConfig = {};
  for (const [fullKey, value] of Object.entries(document?.config ?? {})) {
    const key = settingKey(fullKey);
    if (key === undefined) {
      continue;
    }
    if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") {
      raw[key] = { secret: true };
    } else {
      raw[key] = { value: typeof value === "string" ? value : JSON.stringify(value), secret: false };
    }
  }
  return raw;
}

/** Raw config from Pulumi's own config map (`pulumi.runtime.allConfig()`), with the secret keys it reports. */
export function rawConfigFromPulumi(all: Record<string, string>, isSecret: (fullKey: string) => boolean): RawConfig {
  const raw: RawConfig = {};
  for (const [fullKey, value] of Object.entries(all)) {
    const key = settingKey(fullKey);
    if (key !== undefined) {
      raw[key] = { value, secret: isSecret(fullKey) };
    }
  }
  return raw;
}

/** The setting name of a config key of this project (`flip-logging:lokiPort` -> `lokiPort`), else undefined. */
function settingKey(fullKey: string): string | undefined {
  const separator = fullKey.indexOf(":");
  if (separator < 0) {
    return fullKey;
  }
  return fullKey.slice(0, separator) === CONFIG_NAMESPACE ? fullKey.slice(separator + 1) : undefined;
}

/** The README's settings table, generated from `SETTING_DOCS` so the two cannot drift apart. */
export function settingsTableMarkdown(): string {
  const rows = SETTING_DOCS.map(
    (doc) => `| \`${doc.key}\` | ${doc.meaning} | ${doc.type} | ${doc.development} | ${doc.production} | ${doc.allowed} |`,
  );
  return [
    "| setting | what it sets | type | development default | production default | allowed |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
