/**
 * Reads the native config files under `config-files/` and fills their `{{ name }}` placeholders.
 * Pure apart from reading the template; every placeholder must be filled and every value used,
 * so a renamed placeholder fails loudly instead of shipping a literal `{{ x }}` to a site.
 */
import * as fs from "fs";
import * as path from "path";

/** Folder that holds the config file templates. */
export const CONFIG_FILES_DIR = path.join(__dirname, "..", "..", "..", "config-files");

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** The text of a template under `config-files/`, e.g. `loki/loki-config.yml`. */
export function readTemplate(relativePath: string): string {
  return fs.readFileSync(path.join(CONFIG_FILES_DIR, relativePath), "utf8");
}

/**
 * Fills every `{{ name }}` in a template. A placeholder alone on its line whose value is empty
 * removes the line; a multi-line value is indented like the placeholder's line.
 */
export function fillTemplate(template: string, values: Record<string, string>, name = "template"): string {
  const used = new Set<string>();
  const lines: string[] = [];
  for (const line of template.split("\n")) {
    const alone = /^(\s*)\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}\s*$/.exec(line);
    if (alone && alone[2] in values) {
      used.add(alone[2]);
      const value = values[alone[2]];
      if (value !== "") {
        lines.push(...value.split("\n").map((part) => (part === "" ? "" : alone[1] + part)));
      }
      continue;
    }
    lines.push(
      line.replace(PLACEHOLDER, (_, key: string) => {
        if (!(key in values)) {
          throw new Error(`${name}: no value for placeholder {{ ${key} }}`);
        }
        used.add(key);
        return values[key];
      }),
    );
  }
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0) {
    throw new Error(`${name}: values given for no placeholder: ${unused.join(", ")}`);
  }
  return lines.join("\n");
}

/** Reads a template under `config-files/` and fills it. */
export function renderTemplate(relativePath: string, values: Record<string, string>): string {
  return fillTemplate(readTemplate(relativePath), values, relativePath);
}
