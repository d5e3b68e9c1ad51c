/**
 * What follows from the settings' declarations for people and for the Pulumi CLI: the README's
 * settings table and the `config:` block of `Pulumi.yaml` (`npm run sync-docs` writes both).
 */
import { code, Declaration, Environment } from "./declaration";
import { SETTING_KEYS, SETTINGS } from "./index";

/** How the README shows a declaration's default in one environment. */
function defaultText(declaration: Declaration<unknown>, environment: Environment): string {
  const given = declaration.defaultText?.[environment];
  if (given !== undefined) {
    return given;
  }
  const value = declaration.defaults({ environment, stackName: "<stack>" });
  return value === undefined ? "unset" : code(String(value));
}

/** The README's settings table, generated from the declarations so the two cannot drift apart. */
export function settingsTableMarkdown(): string {
  const rows = SETTING_KEYS.map((key) => {
    const declaration = SETTINGS[key] as Declaration<unknown>;
    return `| \`${key}\` | ${declaration.description} | ${declaration.type} | ${defaultText(declaration, "development")} | ${defaultText(declaration, "production")} | ${declaration.allowed} |`;
  });
  return [
    "| setting | what it sets | type | development default | production default | allowed |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** One key of `Pulumi.yaml`'s `config:` block. */
export interface ProjectConfigDeclaration {
  /** Pulumi's project config type. */
  type: "string" | "integer" | "boolean";
  /** What it sets. */
  description: string;
  /** The default the CLI merges into a stack that does not set the key. */
  default: string | number | boolean;
}

const PULUMI_TYPES: Record<string, ProjectConfigDeclaration["type"]> = { string: "string", number: "integer", boolean: "boolean" };

/**
 * The `config:` block of `Pulumi.yaml`. The CLI requires every declared key without a default in
 * every stack and merges a declared default into every stack that leaves the key out (pulumi/pulumi
 * `sdk/go/common/workspace/config.go`, `mergeConfig`), so only settings whose default is one plain
 * value in every environment and for every stack name are declared; the rest are documented in
 * the README and validated by the program alone.
 */
export function projectConfigDeclarations(): Record<string, ProjectConfigDeclaration> {
  const declared: Record<string, ProjectConfigDeclaration> = {};
  for (const key of SETTING_KEYS) {
    const declaration = SETTINGS[key] as Declaration<unknown>;
    const defaults = (["development", "production"] as const).flatMap((environment) =>
      ["site-a", "site-b"].map((stackName) => declaration.defaults({ environment, stackName })),
    );
    const type = PULUMI_TYPES[typeof defaults[0]];
    const fixed = declaration.defaultFollows === undefined && defaults.every((value) => value === defaults[0]);
    if (declaration.secrecy === "plain" && type !== undefined && fixed) {
      declared[key] = {
        type,
        description: declaration.description.replace(/\*\*/g, "").replace(/`/g, ""),
        default: defaults[0] as ProjectConfigDeclaration["default"],
      };
    }
  }
  return declared;
}

/** Text as YAML comment lines of at most 100 characters, broken between words. */
function wrapComment(text: string): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && `${lines[last]} ${word}`.length <= 100) {
      lines[last] = `${lines[last]} ${word}`;
    } else {
      lines.push(`# ${word}`);
    }
  }
  return lines;
}

/** The `config:` block of `Pulumi.yaml`, with the comment that says why it holds only some settings. */
export function projectConfigDocument(): string {
  const declared = projectConfigDeclarations();
  const undeclared = SETTING_KEYS.filter((key) => !(key in declared));
  const lines = [
    "# Settings the CLI can check before the program runs: only those whose default is one plain value",
    "# in every environment. The CLI requires every declared key without a default in every stack, so",
    ...wrapComment(`the others (${undeclared.join(", ")})`),
    "# are left undeclared; the README lists them all and the program validates every one.",
    "# Generated from the declarations in components/plan/settings/ by `npm run sync-docs`.",
    "config:",
  ];
  for (const [key, declaration] of Object.entries(declared)) {
    lines.push(
      `  ${key}:`,
      `    type: ${declaration.type}`,
      `    default: ${JSON.stringify(declaration.default)}`,
      `    description: ${JSON.stringify(declaration.description)}`,
    );
  }
  return lines.join("\n") + "\n";
}
