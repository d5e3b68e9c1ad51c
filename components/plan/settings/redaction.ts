/**
 * The `redact` setting: a site's own patterns of patient identifiers, which Alloy redacts besides
 * the built-in NHS numbers and e-mail addresses, and the checks of those patterns against the
 * RE2 dialect Alloy reads. The stages themselves are rendered by `services/alloy-redaction.ts`.
 */
import RE2 from "re2";
import { isPlainObject } from "./config-source";
import { declare, parseJson } from "./declaration";

/** A site's own identifier pattern, from the `redact` setting: the marker's name and an RE2 regex. */
export interface RedactPattern {
  name: string;
  regex: string;
}

/** The names of the built-in rules, whose markers a site pattern may not reuse. */
export const BUILT_IN_REDACTIONS: readonly string[] = ["nhs-number", "email"];

const PATTERN_NAME = /^[a-z][a-z0-9-]{0,31}$/;

// Texts on which a regex that can match nothing would show it: at the start and end of a line,
// between letters, spaces, digits and a line break, as word-boundary assertions need.
const EMPTY_MATCH_PROBES = ["", "a", " ", "0", "a b", "a\nb", "-0-"];

/**
 * What is wrong with a site's pattern, or undefined. The name: 1-32 lowercase letters, digits and
 * hyphens, not a built-in rule's. The regex: valid in Go's RE2 dialect, at most one capture
 * group (the text to redact; without one, the whole match is redacted), no named group, and it
 * must not match empty text.
 */
export function redactPatternProblem(pattern: RedactPattern, key = "redact"): string | undefined {
  const { name, regex } = pattern;
  if (typeof name !== "string" || !PATTERN_NAME.test(name)) {
    return `\`${key}\` has a pattern named ${JSON.stringify(name)}, but a name must be 1-32 lowercase letters, digits and hyphens, starting with a letter`;
  }
  if (BUILT_IN_REDACTIONS.includes(name)) {
    return `\`${key}\` has a pattern named \`${name}\`, but ${BUILT_IN_REDACTIONS.map((n) => `\`${n}\``).join(" and ")} are built in; give the site's pattern a name of its own`;
  }
  const about = `\`${key}\` pattern \`${name}\` has regex ${JSON.stringify(regex)}, but`;
  if (typeof regex !== "string" || regex === "") {
    return `${about} it must be a non-empty RE2 regular expression`;
  }
  const syntaxProblem = re2SyntaxProblem(regex);
  if (syntaxProblem !== undefined) {
    return `${about} it must be RE2 syntax, the dialect Alloy reads: ${syntaxProblem}`;
  }
  const groups = new RE2(`(?:${regex})|`).exec("");
  if (groups?.groups !== undefined) {
    return `${about} it must not name a group: Alloy would copy a named group into its extracted values; use (...) or (?:...)`;
  }
  if (capturingGroups(regex) > 1) {
    return `${about} it must have at most one capture group, the text to redact; group the rest with (?:...)`;
  }
  if (matchesEmptyText(regex)) {
    return `${about} it must not match empty text, or the marker would be put between characters all through the line`;
  }
  return undefined;
}

/** Every problem with a site's list of patterns: each pattern's own, and names used twice. */
export function redactPatternsProblems(patterns: readonly RedactPattern[], key = "redact"): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const problem = redactPatternProblem(pattern, key);
    if (problem !== undefined) {
      problems.push(problem);
    } else if (seen.has(pattern.name)) {
      problems.push(`\`${key}\` has two patterns named \`${pattern.name}\`, but each marker must say which pattern matched`);
    }
    seen.add(pattern.name);
  }
  return problems;
}

/**
 * Why RE2 refuses a regex, or undefined. The `re2` binding compiles with Google's RE2, the dialect
 * of Go's regexp, but first rewrites a few JavaScript escapes that Go refuses (`\u0041`, `\cA`,
 * long Unicode property names such as `\p{Letter}`), and C++ RE2 alone accepts `\C`: those are
 * refused here by name, because Alloy would refuse the whole config file.
 */
function re2SyntaxProblem(regex: string): string | undefined {
  try {
    new RE2(regex);
  } catch (error) {
    return (error as Error).message;
  }
  for (let at = 0; at < regex.length; at++) {
    if (regex[at] !== "\\") continue;
    const escape = regex.slice(at, at + 2);
    if (escape === "\\u" || escape === "\\c" || escape === "\\C") {
      return `\`${escape}\` is JavaScript or C++ syntax that Go's regexp refuses; write \\x{41} for a character code`;
    }
    const property = /^\\[pP]\{([^}]*)\}/.exec(regex.slice(at));
    if (property && !new RE2(`\\p{${property[1]}}`).internalSource.replace(/[{}]/g, "").endsWith(`p${property[1]}`)) {
      return `\`${property[0]}\` is a JavaScript name for a Unicode class that Go's regexp refuses; use its short name, such as \\p{L}`;
    }
    at++;
  }
  return undefined;
}

/** How many capture groups a regex has. RE2 reports a group for every one in a match; an empty alternative makes one match. */
export function capturingGroups(regex: string): number {
  return (new RE2(`(?:${regex})|`).exec("")?.length ?? 1) - 1;
}

function matchesEmptyText(regex: string): boolean {
  const sticky = new RE2(regex, "y");
  return EMPTY_MATCH_PROBES.some((probe) => {
    for (let at = 0; at <= probe.length; at++) {
      sticky.lastIndex = at;
      if (sticky.exec(probe)?.[0] === "") return true;
    }
    return false;
  });
}

/** The redaction setting. */
export const REDACTION_SETTINGS = {
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
};
