/**
 * The toolkit every setting's declaration is written with: what a reader knows, what a
 * declaration holds, and the readers and rules several settings share. Pure: no Pulumi import.
 */
import * as net from "net";
import type { ConfigEntry } from "./config-source";
import { SECRET_PLACEHOLDER, SecretValue, secretText } from "./secrets";

/** Which kind of site a stack is; it picks the defaults and the stricter production rules. */
export type Environment = "development" | "production";

/** What a declaration's reader knows about the stack, and where it records a broken rule. */
export interface ReadContext {
  /** The key being read, as the user writes it after `pulumi config set`. */
  key: string;
  /** `development` or `production`, read first. */
  environment: Environment;
  /** Whether the stack is production. */
  production: boolean;
  /** Pulumi stack name. */
  stackName: string;
  /** False where secrets cannot be read (`npm run render`). */
  secretsReadable: boolean;
  /** Settings read so far, in declaration order. */
  earlier: Record<string, unknown>;
  /** Records a broken rule. */
  problem(message: string): void;
}

/** What a default may depend on: the environment, the stack name, and settings declared before it. */
export type DefaultContext = Pick<ReadContext, "environment" | "stackName"> & {
  /** Settings read so far, in declaration order. */
  earlier?: Record<string, unknown>;
};

/** Everything about one setting, written once. */
export interface Declaration<T> {
  /** What it sets, for the README and `Pulumi.yaml`. */
  description: string;
  /** Its type in the README's words. */
  type: string;
  /** Its value when the stack does not set it. */
  defaults(context: DefaultContext): T;
  /** How the README shows a default that is not a plain value (a generated password, the stack name). */
  defaultText?: Partial<Record<Environment, string>>;
  /** Settings its default depends on, declared before it; such a default cannot go in `Pulumi.yaml`. */
  defaultFollows?: string[];
  /** What is allowed, for the README. */
  allowed: string;
  /** `plain`: refused as a secret; `secret`: refused in plain text; `either`: both; `nested`: may hold secrets in parts (`apis[].env`). */
  secrecy: "plain" | "secret" | "either" | "nested";
  /** Reads a value the stack sets; returns undefined after recording a problem. */
  read(entry: ConfigEntry, context: ReadContext): T | undefined;
  /** Overrides `defaults` when leaving the setting unset can itself break a rule. */
  unset?(context: ReadContext): T;
}

/** The values a group of declarations gives a stack: one field per setting, typed by its reader. */
export type ValuesOf<D> = { [K in keyof D]: D[K] extends Declaration<infer T> ? T : never };

/** A declaration, with its value type inferred from its reader. */
export function declare<T>(declaration: Declaration<T>): Declaration<T> {
  return declaration;
}

/** The same default in every environment. */
export function always<T>(value: T): (context: DefaultContext) => T {
  return () => value;
}

/** A key or value as messages show it, in backticks. */
export function code(value: string): string {
  return `\`${value}\``;
}

/** A reader of text that must pass `rule`, which returns what is allowed when it does not. */
export function textRule(rule: (value: string) => string | undefined): Declaration<string>["read"] {
  return (entry, context) => {
    const value = entry.value as string;
    const allowed = rule(value);
    if (allowed !== undefined) {
      context.problem(`${code(context.key)} is ${JSON.stringify(value)}, but it must be ${allowed}`);
      return undefined;
    }
    return value;
  };
}

/** A reader of text that must be one of `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[]): Declaration<T>["read"] {
  return (entry, context) =>
    textRule((value) => ((allowed as readonly string[]).includes(value) ? undefined : `one of ${allowed.map(code).join(", ")}`))(
      entry,
      context,
    ) as T | undefined;
}

/** What an address setting allows, when the value is not an IP address. */
export function ipRule(value: string): string | undefined {
  return net.isIP(value) ? undefined : "an IPv4 or IPv6 address such as `127.0.0.1` or `0.0.0.0`";
}

/** Whether a bind address takes the port on every address of the host. */
export function isWildcard(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::";
}

/**
 * Whether a stack sets a setting to other than its default. A setting at its default may come
 * from `Pulumi.yaml`, which the CLI merges into every stack, so it does not count as set.
 */
export function setAwayFromDefault<T>(
  key: string,
  declaration: Declaration<T>,
  value: T,
  setKeys: ReadonlySet<string>,
  context: DefaultContext,
): boolean {
  return setKeys.has(key) && value !== declaration.defaults(context);
}

/** A reader of a whole number within `range`; `what` names the unit in the message. */
export function wholeNumberRule(range: { min: number; max: number }, what: string): (entry: ConfigEntry, context: ReadContext) => number | undefined {
  return (entry, context) => {
    const value = entry.value as string;
    const number = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
    if (!(number >= range.min && number <= range.max)) {
      context.problem(`${code(context.key)} is ${JSON.stringify(value)}, but it must be a whole number of ${what} from ${range.min} to ${range.max}`);
      return undefined;
    }
    return number;
  };
}

/** What a port setting allows. */
export const PORT_RULE = "an integer port from 1 to 65535";

/** A port from text or a number, or undefined when it is not one. */
export function asPort(value: unknown): number | undefined {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text === "string" && /^[0-9]{1,5}$/.test(text)) {
    const port = Number(text);
    if (port >= 1 && port <= 65535) {
      return port;
    }
  }
  return undefined;
}

/** Reads a host port. */
export const readPort: Declaration<number>["read"] = (entry, context) => {
  const port = asPort(entry.value);
  if (port === undefined) {
    context.problem(`${code(context.key)} is ${JSON.stringify(entry.value)}, but it must be ${PORT_RULE}`);
  }
  return port;
};

/** How a message shows a value the user gave: as JSON, or `[secret]` when it is or holds a secret. */
export function echo(value: unknown, secret: boolean): string {
  return secret ? SECRET_PLACEHOLDER : JSON.stringify(value);
}

/** A structured setting parsed from its JSON text, or undefined after recording what shape it must have. */
export function parseJson(entry: ConfigEntry, context: ReadContext, shape: string): unknown {
  try {
    return JSON.parse(entry.value as string);
  } catch {
    context.problem(`${code(context.key)} is ${echo(entry.value, entry.secret)}, but it must be ${shape}`);
    return undefined;
  }
}

/** Reads `true` or `false`. */
export const readBoolean: Declaration<boolean>["read"] = (entry, context) => {
  if (entry.value !== "true" && entry.value !== "false") {
    context.problem(`${code(context.key)} is ${JSON.stringify(entry.value)}, but it must be \`true\` or \`false\``);
    return undefined;
  }
  return entry.value === "true";
};

/** Reads a secret text (a password, a key); a sealed one (`npm run render`) stays sealed. */
export function readSecretText(entry: ConfigEntry, context: ReadContext): SecretValue | undefined {
  if (entry.value === undefined) {
    return secretText(null);
  }
  if (entry.value.length === 0) {
    context.problem(`${code(context.key)} is empty; set it with \`pulumi config set --secret ${context.key} <value>\``);
    return undefined;
  }
  return secretText(entry.value);
}
