/**
 * Patient identifiers never reach Loki: the `stage.replace` blocks that Alloy runs on every line
 * before anything else, for the built-in rules (NHS numbers, e-mail addresses) and a site's own
 * patterns (checked by `settings/redaction.ts`).
 *
 * Alloy's `stage.replace` (internal/component/loki/process/stages/replace.go, Alloy v1.9.0)
 * finds every non-overlapping match of an RE2 expression in the line and replaces the text of
 * each capture group, and only that, with `replace`. Go's regexp has no lookaround, so a rule
 * that needs context (no digit before an NHS number) matches that context outside its capture
 * group, and a rule that must skip something (a JSON string, a UUID) matches it as an
 * alternative without a capture group: the leftmost match wins, the first alternative on a tie.
 */
import { capturingGroups, RedactPattern, redactPatternsProblems } from "../settings/redaction";

/** What a redacted value becomes: `[redacted:nhs-number]`. */
export function redactionMarker(name: string): string {
  return `[redacted:${name}]`;
}

// One JSON string, escapes included. Matched whole, without a capture group, by the rules that
// work on JSON values, so that they never look inside a string.
const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
// One JSON escape (`\n`, `\"`, `\u00e9`), matched whole as the last alternative of the rules that
// work on text, so that no match starts on the letter after a backslash and breaks the escape.
const JSON_ESCAPE = String.raw`\\(?:u[0-9A-Fa-f]{4}|.)`;
// Where a JSON value inside an object or array starts: after `:`, `,` or `[` outside a string.
const VALUE_START = String.raw`[:,\[]\s*`;
// One JSON \u escape, which stands for a letter in an e-mail address written by Python's
// json.dumps (it escapes every non-ASCII character).
const UNICODE_ESCAPE = String.raw`\\u[0-9A-Fa-f]{4}`;

// An NHS number, ten digits written 943 476 5919, 943-476-5919 or 9434765919, in a capture
// group; or a longer run of digits, kept whole. Longer runs are listed first, so that they win
// over a number that is only their start; a ten-digit run after "943 476 " is still caught.
const NHS_NUMBER_OR_LONGER_RUN = [
  ...[" ", "-"].map(
    (separator) =>
      `[0-9]{3}${separator}[0-9]{3}${separator}(?:[0-9]{11,}|([0-9]{10})|[0-9]{5,})|([0-9]{3}${separator}[0-9]{3}${separator}[0-9]{4})`,
  ),
  "[0-9]{11,}|([0-9]{10})",
].join("|");
// What may stand before an NHS number: the line's start, a JSON escape such as `\n` or `\u00e9`,
// or any character but a digit; a dot only if no digit precedes it, as `0.9434765919` is a
// fraction, not an identifier.
const NHS_BEFORE = String.raw`(?:^\.?|\\u[0-9A-Fa-f]{4}\.?|\\[^u0-9]\.?|[^0-9.]|[^0-9]\.)`;
// A UUID such as a request_id, kept whole: its last group of 12 may hold ten digits in a row.
// An NHS number written right after it is still caught.
const UUID = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";

const ADDRESS_CHAR = `(?:[\\p{L}\\p{N}._%+\\-]|${UNICODE_ESCAPE})`;
const DOMAIN_LABEL = `(?:[\\p{L}\\p{N}\\-]|${UNICODE_ESCAPE})+`;
const TOP_LEVEL_DOMAIN = `(?:\\p{L}|${UNICODE_ESCAPE}){2,}`;
// `@`, or the forms it takes in a URL (`%40`) and in JSON written with escapes (`\u0040`).
const AT_SIGN = String.raw`(?:@|%40|\\u0040)`;
const EMAIL_ADDRESS = `${ADDRESS_CHAR}+${AT_SIGN}${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*\\.${TOP_LEVEL_DOMAIN}`;

/** One `stage.replace` block: why it is there, its expression and its replacement. */
interface ReplaceStage {
  why: string;
  expression: string;
  replace: string;
}

// A JSON number holding an NHS number (ten digits before any fraction or exponent, or a ten-digit
// exponent) becomes the marker as a JSON string, quotes included, so the line stays valid JSON.
function nhsNumberValueStage(): ReplaceStage {
  const tenDigitExponent = "-?[0-9]+(?:\\.[0-9]+)?[eE][+-]?[0-9]{10,}";
  const tenDigitNumber = "-?[0-9]{10}(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?";
  return {
    why: "An NHS number written as a JSON number becomes a JSON string, so the line stays valid JSON.",
    expression: `${JSON_STRING}|${VALUE_START}(?:(${tenDigitExponent})|-?[0-9]{11,}|(${tenDigitNumber}))`,
    replace: JSON.stringify(redactionMarker("nhs-number")),
  };
}

function nhsNumberTextStage(): ReplaceStage {
  return {
    why: "NHS numbers anywhere else: 943 476 5919, 943-476-5919 or 9434765919, not within a longer run of digits.",
    expression: `${UUID}(?:\\.?(?:${NHS_NUMBER_OR_LONGER_RUN}))?|${NHS_BEFORE}(?:${NHS_NUMBER_OR_LONGER_RUN})|${JSON_ESCAPE}`,
    replace: redactionMarker("nhs-number"),
  };
}

function emailStage(): ReplaceStage {
  return {
    why: "E-mail addresses, also with a %40 or \\u0040 for the @.",
    expression: `(${EMAIL_ADDRESS})|${JSON_ESCAPE}`,
    replace: redactionMarker("email"),
  };
}

// A site pattern runs twice. First outside JSON strings, where its marker is quoted as a JSON
// string, so a bare hospital number stays valid JSON; a string is matched whole, together with
// the `:`, `,` or `[` before it, so that a pattern whose context can match those or a quote, such
// as (?:^|\W), cannot start in front of a string and put the quoted marker inside it. Then
// anywhere else, which is inside strings.
function sitePatternStages(pattern: RedactPattern): ReplaceStage[] {
  const captured = capturingGroups(pattern.regex) === 0 ? `(${pattern.regex})` : `(?:${pattern.regex})`;
  const marker = redactionMarker(pattern.name);
  return [
    {
      why: `Site pattern \`${pattern.name}\` outside JSON strings: the marker is quoted, so the line stays valid JSON.`,
      expression: `${JSON_STRING}|\\s*${VALUE_START}${JSON_STRING}|${captured}`,
      replace: JSON.stringify(marker),
    },
    {
      why: `Site pattern \`${pattern.name}\` inside strings and in text.`,
      expression: `${captured}|${JSON_ESCAPE}`,
      replace: marker,
    },
  ];
}

/**
 * The `stage.replace` blocks, in the order Alloy must run them: a site's own patterns first, then
 * e-mail addresses (before NHS numbers, which could be their local part), then NHS numbers.
 * Throws if a site pattern breaks a rule: settings validation reports those to the operator.
 */
export function renderRedactionStages(sitePatterns: readonly RedactPattern[] = []): string {
  const problems = redactPatternsProblems(sitePatterns);
  if (problems.length > 0) {
    throw new Error(`cannot render the redaction stages:\n${problems.join("\n")}`);
  }
  const stages = [...sitePatterns.flatMap(sitePatternStages), emailStage(), nhsNumberValueStage(), nhsNumberTextStage()];
  return [
    "// Patient identifiers never reach Loki. These stages run first, so the labels and",
    "// request_id below are read from the redacted line.",
    ...stages.map((stage) =>
      [
        "",
        `// ${stage.why}`,
        "stage.replace {",
        `  expression = ${alloyString(stage.expression)}`,
        `  replace    = ${alloyString(stage.replace)}`,
        "}",
      ].join("\n"),
    ),
  ].join("\n");
}

/**
 * An Alloy string literal: raw (backticks, no escapes) so that a regex reads as written, or
 * double-quoted with JSON's escapes, which Alloy's scanner accepts, when the text cannot be raw.
 */
export function alloyString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[`\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : `\`${text}\``;
}
