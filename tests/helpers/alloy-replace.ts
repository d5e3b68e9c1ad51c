/**
 * Alloy's `stage.replace` in TypeScript, for tests: read the stages out of a rendered
 * `config.alloy` and run them over a log line with RE2, as Alloy v1.9.0 does.
 *
 * Sources reproduced (Alloy v1.9.0):
 * - string literals: syntax/scanner/scanner.go (scanString, scanEscape), decoded by Go's
 *   strconv.Unquote in syntax/internal/transform/value.go;
 * - matching: Go's regexp.FindAllStringSubmatchIndex (regexp.go, allMatches), with RE2 through
 *   the `re2` binding, which keeps the text before the start position as context for `^` and `\b`
 *   as Go does;
 * - replacing: internal/component/loki/process/stages/replace.go, replaceStage.Process without a
 *   `source`, and getReplacedEntry. The `replace` text is a Go text/template; the stages under
 *   test use plain text only, so a template action is refused here rather than imitated.
 */
import RE2 from "re2";

/** One `stage.replace` block as Alloy reads it. */
export interface ReplaceStage {
  expression: string;
  replace: string;
}

/** The stages of a `loki.process` block, in order: their kind and, for `stage.replace`, its arguments. */
export interface ProcessStage {
  kind: string;
  replace?: ReplaceStage;
}

/** Reads the stages of the `loki.process` component named `label` out of an Alloy config. */
export function processStages(config: string, label: string): ProcessStage[] {
  const start = config.indexOf(`loki.process "${label}" {`);
  if (start < 0) throw new Error(`no loki.process "${label}" in the config`);
  const stages: ProcessStage[] = [];
  let at = config.indexOf("{", start) + 1;
  let depth = 1;
  while (depth > 0) {
    const ch = config[at];
    if (ch === undefined) throw new Error("unterminated loki.process block");
    if (ch === "/" && config[at + 1] === "/") {
      at = config.indexOf("\n", at);
    } else if (ch === '"' || ch === "`") {
      at = readStringLiteral(config, at).end;
    } else if (ch === "{") {
      depth++;
      at++;
    } else if (ch === "}") {
      depth--;
      at++;
    } else if (depth === 1 && /[a-z]/.test(ch) && /\s/.test(config[at - 1])) {
      const kind = /^[a-z_.]+/.exec(config.slice(at))?.[0] ?? "";
      if (kind.startsWith("stage.")) {
        const body = config.indexOf("{", at);
        stages.push({ kind, replace: kind === "stage.replace" ? readReplaceArguments(config, body + 1) : undefined });
        at = body;
      } else {
        at += kind.length;
      }
    } else {
      at++;
    }
  }
  return stages;
}

function readReplaceArguments(config: string, at: number): ReplaceStage {
  const attributes: Record<string, string> = {};
  for (;;) {
    const attribute = /^\s*(?:\}|([a-z_]+)\s*=\s*)/.exec(config.slice(at));
    if (!attribute) throw new Error(`cannot read a stage.replace argument at: ${config.slice(at, at + 40)}`);
    at += attribute[0].length;
    if (attribute[1] === undefined) break;
    const literal = readStringLiteral(config, at);
    attributes[attribute[1]] = literal.value;
    at = literal.end;
  }
  const { expression, replace = "", ...others } = attributes;
  if (expression === undefined) throw new Error("stage.replace without an expression");
  if (Object.keys(others).length > 0) {
    // With a `source` the stage works on an extracted value, which this harness does not model.
    throw new Error(`stage.replace arguments not reproduced here: ${Object.keys(others).join(", ")}`);
  }
  return { expression, replace };
}

const SIMPLE_ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"' };

/** Reads the Alloy string literal that starts at `at`: its value and where it ends. */
export function readStringLiteral(text: string, at: number): { value: string; end: number } {
  const quote = text[at];
  if (quote === "`") {
    const end = text.indexOf("`", at + 1);
    if (end < 0) throw new Error("raw string literal not terminated");
    // strconv.Unquote drops carriage returns from a raw string.
    return { value: text.slice(at + 1, end).replace(/\r/g, ""), end: end + 1 };
  }
  if (quote !== '"') throw new Error(`no string literal at: ${text.slice(at, at + 20)}`);
  let value = "";
  let i = at + 1;
  for (;;) {
    const ch = text[i];
    if (ch === undefined || ch === "\n") throw new Error("string literal not terminated");
    if (ch === '"') return { value, end: i + 1 };
    if (ch !== "\\") {
      value += ch;
      i++;
      continue;
    }
    const kind = text[i + 1];
    if (kind in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[kind];
      i += 2;
    } else if (kind === "u" || kind === "U") {
      const length = kind === "u" ? 4 : 8;
      const code = text.slice(i + 2, i + 2 + length);
      if (!/^[0-9A-Fa-f]+$/.test(code) || code.length !== length) throw new Error(`illegal escape \\${kind}${code}`);
      value += String.fromCodePoint(parseInt(code, 16));
      i += 2 + length;
    } else {
      // Octal and \x escapes stand for bytes, not characters; alloyString never writes them.
      throw new Error(`escape sequence not reproduced: \\${kind}`);
    }
  }
}

// Each expression is compiled once, as Alloy does when it loads the config.
const compiled = new Map<string, RE2>();

/**
 * Go's FindAllStringSubmatchIndex: successive non-overlapping matches, leftmost first; an empty
 * match right after the previous match is dropped, and after an empty match the search moves
 * on by one character. Each match is [start, end, group1 start, group1 end, ...], -1 for a group
 * that took no part.
 */
export function findAllSubmatchIndex(expression: string, input: string): number[][] {
  const regex = compiled.get(expression) ?? new RE2(expression, "gd");
  compiled.set(expression, regex);
  const matches: number[][] = [];
  let previousMatchEnd = -1;
  for (let position = 0; position <= input.length; ) {
    regex.lastIndex = position;
    const match = regex.exec(input);
    if (match === null || match.indices === undefined) break;
    const [start, end] = match.indices[0];
    let accept = true;
    if (end === position) {
      if (start === previousMatchEnd) accept = false;
      position += (input.codePointAt(position) ?? 0) > 0xffff ? 2 : 1;
    } else {
      position = end;
    }
    previousMatchEnd = end;
    if (accept) matches.push(match.indices.flatMap((span) => span ?? [-1, -1]));
  }
  return matches;
}

/** What Alloy's `stage.replace` without a `source` makes of a log line. */
export function applyReplaceStage(stage: ReplaceStage, line: string): string {
  if (stage.replace.includes("{{")) throw new Error(`template actions are not reproduced: ${stage.replace}`);
  const matchAllIndex = findAllSubmatchIndex(stage.expression, line);
  if (matchAllIndex.length === 0) return line;
  // getReplacedEntry, line by line, including its test on previousInputEndIndex === 0.
  let result = "";
  let previousInputEndIndex = 0;
  for (const matchIndex of matchAllIndex) {
    for (let i = 2; i < matchIndex.length; i += 2) {
      if (matchIndex[i] === -1) continue;
      if (previousInputEndIndex === 0 || previousInputEndIndex <= matchIndex[i]) {
        result += line.slice(previousInputEndIndex, matchIndex[i]) + stage.replace;
        previousInputEndIndex = matchIndex[i + 1];
      }
    }
  }
  return result + line.slice(previousInputEndIndex);
}

/** A log line after every `stage.replace` of a pipeline, in order. */
export function applyReplaceStages(stages: readonly ReplaceStage[], line: string): string {
  return stages.reduce((text, stage) => applyReplaceStage(stage, text), line);
}
