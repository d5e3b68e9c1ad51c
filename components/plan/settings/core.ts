/**
 * The core settings of a site: what kind of site it is, its name, Loki's port and address, how long
 * logs are kept, where data lives, which containers are collected, and how Docker runs the stack.
 * Each setting is declared once here, with its rule.
 */
import {
  always,
  asPort,
  code,
  Declaration,
  declare,
  Environment,
  ipRule,
  oneOf,
  readBoolean,
  readPort,
  textRule,
} from "./declaration";

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

/** A Docker host reached over SSH. */
export type SshDockerHost = Extract<DockerHost, { kind: "ssh" }>;

/** The Docker host an address names, or undefined when it is not `unix:///path` or `ssh://[user@]host[:port]`. */
export function parseDockerHost(value: string): DockerHost | undefined {
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
  return undefined;
}

const readDockerHost: Declaration<DockerHost | undefined>["read"] = (entry, context) => {
  const value = entry.value as string;
  const host = parseDockerHost(value);
  if (host === undefined) {
    context.problem(
      `${code(context.key)} is ${JSON.stringify(value)}, but it must be \`unix:///path/to/docker.sock\` or \`ssh://[user@]host[:port]\``,
    );
  }
  return host;
};

/** The core settings, in the order the README lists them. */
export const CORE_SETTINGS = {
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
};
