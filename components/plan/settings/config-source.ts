/**
 * Where a stack's raw config comes from: the text of `Pulumi.<stack>.yaml` (for `npm run render`)
 * or Pulumi's own config map (for the program). Both are read the way the Pulumi CLI hands config
 * to a program, so the parser sees the same thing in both places. Pure: no Pulumi import.
 */
import { distance } from "fastest-levenshtein";
import * as YAML from "yaml";

/** The config namespace of every setting (the Pulumi project name). */
export const CONFIG_NAMESPACE = "flip-logging";

/**
 * What stands for a `secure:` value nested inside a structured setting that cannot be decrypted
 * here (`npm run render` has no passphrase). It cannot occur in a real value: it holds a NUL.
 */
export const SEALED = "\u0000sealed\u0000";

/** One raw config value as a reader found it: its text (absent when sealed) and whether it is secret. */
export interface ConfigEntry {
  /** Scalars as text, lists and objects as JSON (nested sealed values as `SEALED`). Absent when the whole value is sealed. */
  value?: string;
  /** Whether the value is, or holds, a secret. */
  secret: boolean;
}

/** Raw config of one stack: this project's keys without the namespace, and keys of other namespaces that look like typos of it. */
export interface RawConfig {
  /** This project's keys, without the `flip-logging:` prefix. */
  entries: Record<string, ConfigEntry>;
  /** Full keys whose namespace is a near miss of `flip-logging` (`flip-loging:grafanaPort`). */
  mistypedNamespaces: string[];
}

/** Raw config built from entries, for callers and tests that have no stack file. */
export function rawConfig(entries: Record<string, ConfigEntry>, mistypedNamespaces: string[] = []): RawConfig {
  return { entries, mistypedNamespaces };
}

/** Thrown when a stack file cannot be read as YAML; the message names the file, line and column. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/**
 * Raw config from the text of a stack file, read the way the CLI hands it to a program: scalars
 * as text, lists and objects as JSON, a `secure:` value as a sealed secret. A structured value
 * that holds a `secure:` value anywhere is secret as a whole, as the CLI marks it (pulumi/pulumi
 * `sdk/go/common/resource/config/map.go`, `Map.SecureKeys`: a key is secret when `Value.Secure()`,
 * which is true for an object holding a secure value; the program then receives the whole object
 * decrypted as JSON under that one secret key).
 */
export function rawConfigFromStackYaml(text: string, fileName: string): RawConfig {
  const document = YAML.parseDocument(text);
  if (document.errors.length > 0) {
    const error = document.errors[0];
    const where = error.linePos?.[0];
    const position = where ? `:${where.line}:${where.col}` : "";
    throw new StackFileError(`${fileName}${position}: not valid YAML: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
  }
  const parsed = document.toJS() as { config?: unknown } | null;
  const config = parsed?.config ?? {};
  if (!isPlainObject(config)) {
    throw new StackFileError(`${fileName}: \`config\` must be a map of keys to values`);
  }
  const all: Record<string, ConfigEntry> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    if (isSecure(value)) {
      all[fullKey] = { secret: true };
    } else if (typeof value === "object" && value !== null) {
      const sealed = sealNested(value);
      all[fullKey] = { value: JSON.stringify(sealed.value), secret: sealed.secret };
    } else {
      all[fullKey] = { value: String(value), secret: false };
    }
  }
  return fromFullKeys(all);
}

/** Raw config from Pulumi's own config map (`pulumi.runtime.allConfig()`), with the keys it reports secret. */
export function rawConfigFromPulumi(all: Record<string, string>, isSecret: (fullKey: string) => boolean): RawConfig {
  return fromFullKeys(
    Object.fromEntries(Object.entries(all).map(([fullKey, value]) => [fullKey, { value, secret: isSecret(fullKey) }])),
  );
}

function fromFullKeys(all: Record<string, ConfigEntry>): RawConfig {
  const entries: Record<string, ConfigEntry> = {};
  const mistypedNamespaces: string[] = [];
  for (const [fullKey, entry] of Object.entries(all)) {
    const separator = fullKey.indexOf(":");
    const namespace = separator < 0 ? CONFIG_NAMESPACE : fullKey.slice(0, separator);
    if (namespace === CONFIG_NAMESPACE) {
      entries[fullKey.slice(separator + 1)] = entry;
    } else if (distance(namespace.toLowerCase(), CONFIG_NAMESPACE) <= 2) {
      mistypedNamespaces.push(fullKey);
    }
  }
  return { entries, mistypedNamespaces: mistypedNamespaces.sort() };
}

function isSecure(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

function sealNested(value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) {
    return { value: SEALED, secret: true };
  }
  if (Array.isArray(value)) {
    const items = value.map(sealNested);
    return { value: items.map((item) => item.value), secret: items.some((item) => item.secret) };
  }
  if (isPlainObject(value)) {
    const fields = Object.entries(value).map(([key, field]) => [key, sealNested(field)] as const);
    return {
      value: Object.fromEntries(fields.map(([key, field]) => [key, field.value])),
      secret: fields.some(([, field]) => field.secret),
    };
  }
  return { value, secret: false };
}

/** Whether a value is a plain object (not null, not a list). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
