/**
 * What the Pulumi CLI does with a project's config before the program runs, replayed from its
 * source so the tests can see what mocks cannot (mocks start at the program):
 *
 * - pulumi/pulumi `sdk/go/common/workspace/project.go`, `Project.Validate`: a declared key may not
 *   have both `default` and `value`; an `array` needs `items`; a default must be of its type.
 * - pulumi/pulumi `sdk/go/common/workspace/config.go`, `mergeConfig`: a declared key of the
 *   project's namespace with neither `default` nor `value`, missing from the stack, is reported
 *   as "Stack 'x' is missing configuration value(s) ..."; a declared default is merged into every
 *   stack that leaves the key out. Then `validateStackConfigValues`, for explicitly typed keys in
 *   sorted order: `secret: true` requires an encrypted stack value ("... must be encrypted as it's
 *   secret"), and the value must pass `ValidateConfigValue` ("... must be of type '...'"): every
 *   scalar reaches it as text, an object value as parsed JSON.
 * - `pulumi config set [--secret] [--path] <key> <value>` writes a string, `{secure: ...}` when
 *   secret, at a nested path with `--path` (pulumi/pulumi `sdk/go/common/resource/config`).
 */
import * as YAML from "yaml";

/** One key of a project's `config:` block. */
export interface ProjectConfigType {
  type?: string;
  items?: { type: string; items?: unknown };
  default?: unknown;
  value?: unknown;
  secret?: boolean;
  description?: string;
}

/** A stack file's `config:` map, as YAML gives it. */
export type StackConfig = Record<string, unknown>;

const isSecure = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { secure?: unknown }).secure === "string";

/** Whether a stack value is, or holds, an encrypted value (`config.Value.Secure()`). */
function holdsSecure(value: unknown): boolean {
  if (isSecure(value)) {
    return true;
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(holdsSecure);
  }
  return false;
}

/** `ValidateConfigValue` in project.go: scalars arrive as text, so `integer` takes "3100". */
export function validateConfigValue(typeName: string, items: ProjectConfigType["items"], value: unknown): boolean {
  if (typeName === "string") {
    return typeof value === "string";
  }
  if (typeName === "integer") {
    if (typeof value === "number") {
      return Number.isInteger(value);
    }
    // Go's strconv.Atoi: an optional sign and decimal digits.
    return typeof value === "string" && /^[+-]?[0-9]+$/.test(value);
  }
  if (typeName === "boolean") {
    return value === "true" || value === "false" || typeof value === "boolean";
  }
  if (!Array.isArray(value) || items === undefined) {
    return false;
  }
  return value.every((item) => validateConfigValue(items.type, items.items as ProjectConfigType["items"], item));
}

/** `Project.Validate`'s config rules; returns the CLI's error, or undefined. */
export function validateProject(config: Record<string, ProjectConfigType>): string | undefined {
  for (const [key, type] of Object.entries(config)) {
    if (type.default !== undefined && type.value !== undefined) {
      return `project config '${key}' cannot have both a 'default' and 'value' attribute`;
    }
    if (type.type === "array" && type.items === undefined) {
      return `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`;
    }
    if (type.type !== undefined && type.default !== undefined && !validateConfigValue(type.type, type.items, type.default)) {
      return `The default value specified for configuration key '${key}' is not of the expected type '${type.type}'`;
    }
  }
  return undefined;
}

function formatMissingKeys(keys: string[]): string {
  if (keys.length === 1) {
    return `'${keys[0]}'`;
  }
  const sorted = [...keys].sort();
  return sorted
    .map((key, index) => (index === sorted.length - 1 ? `and '${key}'` : index === sorted.length - 2 ? `'${key}' ` : `'${key}', `))
    .join("");
}

/** What the program receives after the CLI's checks: every value as text and the keys it marks secret. */
export interface ProgramConfig {
  /** Full keys to text (objects as JSON), with project defaults merged in. */
  values: Record<string, string>;
  /** Full keys that hold a secret. */
  secretKeys: string[];
}

/** The CLI's check of a stack against its project: the error it stops with, or the config the program gets. */
export function checkStack(
  projectName: string,
  project: Record<string, ProjectConfigType>,
  stackName: string,
  stack: StackConfig,
): { error: string } | { config: ProgramConfig } {
  const projectError = validateProject(project);
  if (projectError) {
    return { error: projectError };
  }
  const merged: StackConfig = { ...stack };
  const missing: string[] = [];
  for (const key of Object.keys(project).sort()) {
    const type = project[key];
    const fullKey = key.includes(":") ? key : `${projectName}:${key}`;
    const found = merged[fullKey] !== undefined;
    if (!found && type.default === undefined && type.value === undefined && fullKey.startsWith(`${projectName}:`)) {
      missing.push(key);
    } else if (!found) {
      merged[fullKey] = type.default ?? type.value;
    }
  }
  if (missing.length > 0) {
    return { error: `Stack '${stackName}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${formatMissingKeys(missing)}` };
  }
  for (const key of Object.keys(project).sort()) {
    const type = project[key];
    if (type.type === undefined) {
      continue;
    }
    const value = merged[key.includes(":") ? key : `${projectName}:${key}`];
    if (type.secret && !holdsSecure(value)) {
      return { error: `Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret` };
    }
    const content = typeof value === "object" && value !== null && !isSecure(value) ? decrypted(value) : scalarText(value);
    if (!validateConfigValue(type.type, type.items, content)) {
      const typeName = type.items ? `array<${type.items.type}>` : type.type;
      return { error: `Stack '${stackName}' with configuration key '${key}' must be of type '${typeName}'` };
    }
  }
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [fullKey, value] of Object.entries(merged)) {
    values[fullKey] = typeof value === "object" && value !== null && !isSecure(value) ? JSON.stringify(decrypted(value)) : scalarText(value);
    if (holdsSecure(value)) {
      secretKeys.push(fullKey);
    }
  }
  return { config: { values, secretKeys } };
}

/** The test passphrase's "decryption": `{secure: "v1:<text>"}` stands for `<text>`. */
function decrypted(value: unknown): unknown {
  if (isSecure(value)) {
    return String((value as { secure: string }).secure).replace(/^v1:/, "");
  }
  if (Array.isArray(value)) {
    return value.map(decrypted);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, decrypted(field)]));
  }
  return value;
}

function scalarText(value: unknown): string {
  return isSecure(value) ? String(decrypted(value)) : String(value);
}

/**
 * `pulumi config set [--secret] [--path] <key> <value>` on a stack's config map. A secret is
 * stored as `{secure: "v1:<value>"}`, standing in for the ciphertext.
 */
export function configSet(projectName: string, stack: StackConfig, args: string[]): StackConfig {
  const FLAGS = ["--secret", "--path"];
  const flags = args.filter((arg) => FLAGS.includes(arg));
  const [key, value] = args.filter((arg) => !FLAGS.includes(arg));
  const stored = flags.includes("--secret") ? { secure: `v1:${value}` } : value;
  const next: StackConfig = structuredClone(stack);
  const [first, ...path] = flags.includes("--path") ? key.split(/\.|\[(\d+)\]/).filter((part) => part) : [key];
  const fullKey = first.includes(":") ? first : `${projectName}:${first}`;
  if (path.length === 0) {
    next[fullKey] = stored;
    return next;
  }
  let node = (next[fullKey] ??= /^\d+$/.test(path[0]) ? [] : {}) as Record<string, unknown>;
  path.forEach((part, index) => {
    if (index === path.length - 1) {
      node[part] = stored;
    } else {
      node = (node[part] ??= /^\d+$/.test(path[index + 1]) ? [] : {}) as Record<string, unknown>;
    }
  });
  return next;
}

/** The `config:` map of a stack file's text. */
export function stackConfigOf(text: string): StackConfig {
  return (YAML.parse(text)?.config ?? {}) as StackConfig;
}
