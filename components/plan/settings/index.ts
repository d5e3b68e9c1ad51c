/**
 * Stack settings: one declaration per setting (its description, type, defaults per environment,
 * rule and secrecy), written in the file of its group (`core.ts`, `storage.ts`, `tls.ts`,
 * `scaling.ts`, `grafana-admin.ts`, `apis.ts`, `redaction.ts`, `alerts.ts`). From them follow the parser, the `Settings` type, the
 * README's settings table and the `config:` block of `Pulumi.yaml`. Pure: no Pulumi resources,
 * no I/O, and nothing of the plan outside this folder. Everything downstream trusts what
 * `parseSettings` returns, so every rule a site can break is checked here, before any resource is
 * declared.
 */
import { closest, distance } from "fastest-levenshtein";
import { ALERT_SETTINGS, alertSettingsProblems } from "./alerts";
import { apiField, API_SETTINGS } from "./apis";
import { CONFIG_NAMESPACE, ConfigEntry, RawConfig } from "./config-source";
import { CORE_SETTINGS } from "./core";
import { code, Declaration, Environment, isWildcard, ReadContext } from "./declaration";
import { GRAFANA_ADMIN_SETTINGS } from "./grafana-admin";
import { REDACTION_SETTINGS } from "./redaction";
import { lokiModeProblems, SCALING_SETTINGS } from "./scaling";
import { lokiStorageProblems, STORAGE_SETTINGS } from "./storage";
import { grafanaTlsProblems, TLS_SETTINGS } from "./tls";

/**
 * Every setting, in the order the README lists them: group by group, each group in its own
 * order. A default may follow a setting read before it (`grafanaBindAddress` follows
 * `grafanaTls`). Adding a setting is one entry in its group (and its tests).
 */
export const SETTINGS = {
  ...CORE_SETTINGS,
  ...STORAGE_SETTINGS,
  ...SCALING_SETTINGS,
  ...TLS_SETTINGS,
  ...GRAFANA_ADMIN_SETTINGS,
  ...API_SETTINGS,
  ...REDACTION_SETTINGS,
  ...ALERT_SETTINGS,
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

/**
 * The part of the settings a service or a file is made from: only the keys it names, so a
 * setting it does not name cannot change it (the type checker refuses a read outside them).
 */
export function sliceOf<K extends SettingKey>(settings: Settings, keys: readonly K[]): Pick<Settings, K> {
  return Object.fromEntries(keys.map((key) => [key, settings[key]])) as Pick<Settings, K>;
}

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
      ...lokiStorageProblems(settings, new Set(Object.keys(raw.entries))),
      ...lokiModeProblems(settings, new Set(Object.keys(raw.entries)), options.now ?? new Date(), publishedPorts(settings)),
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

