import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import * as fs from "fs";
import * as path from "path";
import { renderAlloyConfig } from "../components/plan/services/alloy";
import { alloyString, renderRedactionStages } from "../components/plan/services/alloy-redaction";
import { RedactPattern, redactPatternProblem, redactPatternsProblems } from "../components/plan/settings/redaction";
import { parseSettings } from "../components/plan/settings";
import { configOf } from "./helpers/settings";
import schema from "../contract/log-line.schema.json";
import { applyReplaceStage, applyReplaceStages, findAllSubmatchIndex, processStages, readStringLiteral, ReplaceStage } from "./helpers/alloy-replace";

const FIXTURES = path.join(__dirname, "fixtures");
const read = (file: string) => fs.readFileSync(path.join(FIXTURES, file), "utf8");

const SITE_PATTERNS: RedactPattern[] = JSON.parse(read("redaction/site-patterns.json"));
const settings = parseSettings(configOf({}), "dev");
/** The Alloy config of a stack whose `redact` setting holds `patterns`. */
const alloyWith = (patterns: RedactPattern[]) => renderAlloyConfig({ ...settings, redact: patterns });
const replaceStagesOf = (config: string): ReplaceStage[] =>
  processStages(config, "api_logs").flatMap((stage) => (stage.replace ? [stage.replace] : []));
// The stages exactly as shipped: read back out of the rendered config file.
const shipped = replaceStagesOf(alloyWith(SITE_PATTERNS));
const redact = (line: string) => applyReplaceStages(shipped, line);

interface Case {
  name: string;
  input: string;
  expected: string;
}

/** The cases of cases.txt: a "## " name, then an "in:  " line and an "out: " line. */
function readCases(): Case[] {
  const cases: Case[] = [];
  let name = "";
  let input: string | undefined;
  for (const line of read("redaction/cases.txt").split("\n")) {
    if (line.startsWith("## ")) {
      name = line.slice(3);
    } else if (line.startsWith("in:  ")) {
      input = line.slice(5);
    } else if (line.startsWith("out: ")) {
      if (input === undefined) throw new Error(`cases.txt: "out:" without "in:" in ${name}`);
      cases.push({ name, input, expected: line.slice(5) });
      input = undefined;
    }
  }
  return cases;
}

const cases = readCases();
const parsesAsObject = (text: string) => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
};
// Contract lines are JSON objects; a bare number on a line is JSON too but not a log record.
const jsonCases = cases.filter((c) => parsesAsObject(c.input));
const contractLines = (file: string) =>
  read(file)
    .split("\n")
    .filter((line) => line.trim() !== "");

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
ajv.addKeyword("x-loki-label");
ajv.addKeyword("x-loki-structured-metadata");
addFormats(ajv);
const validateContract = ajv.compile(schema);

/** Every string and number of a JSON value, with where it is. */
function leaves(value: unknown, at = "$"): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${at}[${index}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, `${at}.${key}`));
  }
  return [[at, value]];
}

// An independent description of what must not be left, in JavaScript regex syntax, which has the
// lookbehind RE2 lacks: ten digits written 3-3-4 with spaces, with hyphens, or together, with no
// digit on either side and no "digit." before them, and e-mail addresses. UUIDs are taken out
// first, and an NHS number marker is read as the digits it stands for, so that what followed it
// is judged in the same context as before redaction.
const NHS_NUMBER = /(?<![0-9]|[0-9]\.)(?:[0-9]{3} [0-9]{3} [0-9]{4}|[0-9]{3}-[0-9]{3}-[0-9]{4}|[0-9]{10})(?![0-9])/g;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const UUID_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const UUID = new RegExp(`^${UUID_TEXT.source}$`, "i");
function identifiersIn(text: string): string[] {
  const seen = text.replace(UUID_TEXT, "<uuid>").split("[redacted:nhs-number]").join("0");
  return [...seen.matchAll(NHS_NUMBER), ...seen.matchAll(EMAIL)].map((match) => match[0]);
}
// What a reader of the stored line sees: the decoded values of a JSON line, or the text itself.
function readableTexts(line: string): string[] {
  return parsesAsObject(line) ? leaves(JSON.parse(line)).map(([, value]) => String(value)) : [line];
}

describe("the test harness behaves as Alloy's stage.replace", () => {
  const accessLine =
    '11.11.11.11 - frank [25/Jan/2000:14:00:01 -0500] "GET /1986.js HTTP/1.1" 200 932 "-" "Mozilla/5.0 (Windows; U; Windows NT 5.1; de; rv:1.9.1.7) Gecko/20091221 Firefox/3.5.7 GTB6"';

  // The literal-replacement cases of TestReplace in replace_test.go, Alloy v1.9.0.
  it.each([
    {
      name: "replaces only the capture group",
      stage: { expression: "11.11.11.11 - (\\S+) .*", replace: "dummy" },
      line: accessLine,
      expected: accessLine.replace("frank", "dummy"),
    },
    {
      name: "drops the captured text when replace is empty",
      stage: { expression: "11.11.11.11 - (\\S+\\s)", replace: "" },
      line: accessLine,
      expected: accessLine.replace("frank ", ""),
    },
    { name: "replaces adjacent matches one after the other", stage: { expression: "(a|b|c)", replace: "" }, line: "abc", expected: "" },
  ])("$name, as in Alloy's own tests", ({ stage, line, expected }) => {
    expect(applyReplaceStage(stage, line)).toBe(expected);
  });

  it("replaces the outer of two nested groups only, as getReplacedEntry skips a group inside text it replaced", () => {
    expect(applyReplaceStage({ expression: "((a)b)c", replace: "X" }, "abcab")).toBe("Xcab");
  });

  it("finds matches as Go's FindAllStringSubmatchIndex does: no empty match right after a match", () => {
    expect(findAllSubmatchIndex("a*", "baaab")).toEqual([
      [0, 0],
      [1, 4],
      [5, 5],
    ]);
    expect(findAllSubmatchIndex("(x)?y", "yxy")).toEqual([
      [0, 1, -1, -1],
      [1, 3, 1, 2],
    ]);
  });

  it.each(["plain", "with `backticks`", 'quotes " and \\ backslashes', "a line\nbreak and a\ttab", "unicode é – 😀"])(
    "reads back the Alloy string literal written for %j",
    (text) => {
      expect(readStringLiteral(alloyString(text), 0).value).toBe(text);
    },
  );

  it("refuses a template action, which it does not reproduce", () => {
    expect(() => applyReplaceStage({ expression: "(a)", replace: "{{ .Value }}" }, "a")).toThrow(/template/);
  });
});

describe("what the shipped redaction stages make of a log line", () => {
  it.each(cases)("$name", ({ input, expected }) => {
    expect(redact(input)).toBe(expected);
  });

  it.each(cases)("leaves no NHS number or e-mail address that a reader could see: $name", ({ input }) => {
    expect(readableTexts(redact(input)).flatMap(identifiersIn)).toEqual([]);
  });

  it("changes every case's line except those that show what is kept", () => {
    const plain = cases.filter((c) => c.input === c.expected).map((c) => c.name);
    expect(plain).toEqual([
      "ten digits within a longer run, or after a decimal point, are kept",
      "a plain traceback line with a file path and line number is kept",
    ]);
  });
});

describe("random lines with identifiers planted among JSON punctuation and escapes", () => {
  // A fixed seed, so that a failing line fails again.
  let seed = 20261127;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)];
  const digits = (count: number) => Array.from({ length: count }, () => pick("0123456789".split(""))).join("");
  const piece = () =>
    pick([
      () => digits(10),
      () => `${digits(3)} ${digits(3)} ${digits(4)}`,
      () => `${digits(3)}-${digits(3)}-${digits(4)}`,
      () => digits(1 + Math.floor(random() * 14)),
      () => pick(["bob.smith@nhs.net", "jos\u00e9@nhs.net", "x%40y.org", `c2a7e9f0-1b3d-4e5f-8a6b-${digits(10)}ab`]),
      () => pick(["RJ1" + digits(7), "8" + digits(6), "Hospital number: " + digits(7)]),
      () => pick(['"', "\\", "\n", "\t", "é", "😀", "\u2028", ".", "-", " ", ",", ":", "[", "]", "{", "}", "@", "u", "n", "abc"]),
    ])();
  const text = (pieces: number) => Array.from({ length: pieces }, piece).join("");
  const value = (depth: number): unknown =>
    pick([
      () => text(Math.floor(random() * 8)),
      () => Number(digits(1 + Math.floor(random() * 13))),
      () => -Number(digits(10)),
      () => Number(`${digits(10)}.${digits(3)}`),
      () => Number(`0.${digits(10)}`),
      () => (depth > 2 ? true : Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1))),
      () => (depth > 2 ? null : Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [text(2), value(depth + 1)]))),
    ])();
  // Python's json.dumps: ", " and ": " between items, every non-ASCII character as a \u escape.
  const pythonDumps = (item: unknown): string =>
    Array.isArray(item)
      ? `[${item.map(pythonDumps).join(", ")}]`
      : typeof item === "object" && item !== null
        ? `{${Object.entries(item).map(([key, inner]) => `${pythonDumps(key)}: ${pythonDumps(inner)}`).join(", ")}}`
        : JSON.stringify(item).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);

  it("JSON lines, compact or as Python writes them, stay valid JSON and keep no identifier a reader could see", () => {
    const failures: Array<{ line: string; redacted: string; problem: string }> = [];
    for (let i = 0; i < 400; i++) {
      const record = { message: text(6), value: value(0) };
      const line = i % 2 === 0 ? JSON.stringify(record) : pythonDumps(record);
      const redacted = redact(line);
      if (!parsesAsObject(redacted)) {
        failures.push({ line, redacted, problem: "not JSON" });
        continue;
      }
      const left = readableTexts(redacted).flatMap(identifiersIn);
      if (left.length > 0) failures.push({ line, redacted, problem: `left: ${left.join(", ")}` });
    }
    expect(failures).toEqual([]);
  });

  it("plain-text lines keep no identifier a reader could see", () => {
    const failures: Array<{ line: string; redacted: string }> = [];
    for (let i = 0; i < 300; i++) {
      const line = text(12).replace(/\n/g, " ");
      const redacted = redact(line);
      if (identifiersIn(redacted).length > 0) failures.push({ line, redacted });
    }
    expect(failures).toEqual([]);
  });
});

describe("a site pattern whose context can match punctuation", () => {
  it("cannot start in front of a string value and quote its marker inside the string", () => {
    const stages = replaceStagesOf(alloyWith([{ name: "pas-number", regex: "\\W+(8[0-9]{6})\\b" }]));
    expect(applyReplaceStages(stages, '{"pas": "8123456", "n": 8123456, "list": [8123456,8654321]}')).toBe(
      '{"pas": "[redacted:pas-number]", "n": "[redacted:pas-number]", "list": ["[redacted:pas-number]","[redacted:pas-number]"]}',
    );
  });
});

describe("what redaction keeps", () => {
  it.each(["log-lines/valid.jsonl", "log-lines/invalid.jsonl"])("every line of %s passes unchanged", (file) => {
    for (const line of contractLines(file)) expect(redact(line)).toBe(line);
  });

  it.each(jsonCases)("a JSON line stays valid JSON and only values that held an identifier change: $name", ({ input }) => {
    const before = new Map(leaves(JSON.parse(input)));
    const after = leaves(JSON.parse(redact(input)));
    expect(after.map(([at]) => at)).toEqual([...before.keys()]);
    for (const [at, value] of after) {
      if (value !== before.get(at)) expect({ at, value }).toEqual({ at, value: expect.stringContaining("[redacted:") });
    }
  });

  it.each(jsonCases)("timestamp, UUID request_id, status_code and duration_ms survive: $name", ({ input }) => {
    const record = JSON.parse(input);
    const kept = JSON.parse(redact(input));
    expect(kept.timestamp).toBe(record.timestamp);
    expect(kept.status_code).toBe(record.status_code);
    expect(kept.duration_ms).toBe(record.duration_ms);
    if (UUID.test(record.request_id ?? "")) expect(kept.request_id).toBe(record.request_id);
  });

  it("a line that met the log contract still does after redaction", () => {
    const contract = jsonCases.filter((c) => validateContract(JSON.parse(c.input)));
    expect(contract.length).toBeGreaterThanOrEqual(10);
    for (const { input } of contract) {
      expect(validateContract(JSON.parse(redact(input)))).toBe(true);
    }
  });
});

describe("the redaction stages in the Alloy config", () => {
  const kinds = (config: string) => processStages(config, "api_logs").map((stage) => stage.kind);

  it("run first in loki.process, so the labels and request_id are read from the redacted line", () => {
    expect(kinds(alloyWith(SITE_PATTERNS))).toEqual([...Array(9).fill("stage.replace"), "stage.json", "stage.template", "stage.labels", "stage.structured_metadata"]);
  });

  it("are the e-mail and NHS number rules when a site adds no pattern", () => {
    const config = renderAlloyConfig(settings);
    expect(replaceStagesOf(config).map((stage) => stage.replace)).toEqual([
      "[redacted:email]",
      '"[redacted:nhs-number]"',
      "[redacted:nhs-number]",
    ]);
  });

  it("put a site's patterns first, two stages each in the order given, then the built-in rules", () => {
    expect(shipped.map((stage) => stage.replace)).toEqual([
      '"[redacted:mrn]"',
      "[redacted:mrn]",
      '"[redacted:hospital-number]"',
      "[redacted:hospital-number]",
      '"[redacted:pas-number]"',
      "[redacted:pas-number]",
      "[redacted:email]",
      '"[redacted:nhs-number]"',
      "[redacted:nhs-number]",
    ]);
  });

  it("give the same bytes for the same patterns", () => {
    expect(renderRedactionStages(SITE_PATTERNS)).toBe(renderRedactionStages(JSON.parse(read("redaction/site-patterns.json"))));
  });

  it("write a regex holding a backtick as a double-quoted string that Alloy reads back as written", () => {
    const regex = "\\bK`[0-9]{7}\\b";
    const [first] = replaceStagesOf(alloyWith([{ name: "odd", regex }]));
    expect(first.expression.endsWith(`(${regex})`)).toBe(true);
  });

  it("refuse to render a pattern that breaks a rule", () => {
    expect(() => renderRedactionStages([{ name: "mrn", regex: "(" }])).toThrow(
      'cannot render the redaction stages:\n`redact` pattern `mrn` has regex "(", but it must be RE2 syntax, the dialect Alloy reads: missing ): (',
    );
  });
});

describe("a site's redact patterns are checked before anything is declared", () => {
  it.each(SITE_PATTERNS)("accepts the example pattern $name", (pattern) => {
    expect(redactPatternProblem(pattern)).toBeUndefined();
  });

  it.each([
    { regex: "\\p{L}{2}[0-9]{6}", why: "a short Unicode class" },
    { regex: "\\x{41}[0-9]{6}", why: "a character code as Go writes it" },
    { regex: "ward/[0-9]{6}", why: "a slash" },
  ])("accepts a regex with $why", ({ regex }) => {
    expect(redactPatternProblem({ name: "site-id", regex })).toBeUndefined();
  });

  const about = (regex: string) => `\`redact\` pattern \`mrn\` has regex ${JSON.stringify(regex)}, but`;
  it.each([
    { why: "a name with capitals", name: "MRN", regex: "x", problem: '`redact` has a pattern named "MRN", but a name must be 1-32 lowercase letters, digits and hyphens, starting with a letter' },
    { why: "an empty name", name: "", regex: "x", problem: '`redact` has a pattern named "", but a name must be 1-32 lowercase letters, digits and hyphens, starting with a letter' },
    {
      why: "a built-in rule's name",
      name: "email",
      regex: "x",
      problem: "`redact` has a pattern named `email`, but `nhs-number` and `email` are built in; give the site's pattern a name of its own",
    },
    { why: "an empty regex", name: "mrn", regex: "", problem: `${about("")} it must be a non-empty RE2 regular expression` },
    { why: "an unclosed group", name: "mrn", regex: "(", problem: `${about("(")} it must be RE2 syntax, the dialect Alloy reads: missing ): (` },
    { why: "a lookahead", name: "mrn", regex: "(?=RJ1)[0-9]+", problem: `${about("(?=RJ1)[0-9]+")} it must be RE2 syntax, the dialect Alloy reads: invalid perl operator: (?=` },
    { why: "a backreference", name: "mrn", regex: "([0-9])\\1", problem: `${about("([0-9])\\1")} it must be RE2 syntax, the dialect Alloy reads: invalid escape sequence: \\1` },
    { why: "a repeat count over 1000", name: "mrn", regex: "a{1001}", problem: `${about("a{1001}")} it must be RE2 syntax, the dialect Alloy reads: invalid repetition size: {1001}` },
    {
      name: "mrn",
      why: "JavaScript's \\u escape",
      regex: "\\u0041[0-9]{6}",
      problem: `${about("\\u0041[0-9]{6}")} it must be RE2 syntax, the dialect Alloy reads: \`\\u\` is JavaScript or C++ syntax that Go's regexp refuses; write \\x{41} for a character code`,
    },
    {
      name: "mrn",
      why: "C++ RE2's \\C",
      regex: "\\C",
      problem: `${about("\\C")} it must be RE2 syntax, the dialect Alloy reads: \`\\C\` is JavaScript or C++ syntax that Go's regexp refuses; write \\x{41} for a character code`,
    },
    {
      name: "mrn",
      why: "a long Unicode class name",
      regex: "\\p{Letter}+",
      problem: `${about("\\p{Letter}+")} it must be RE2 syntax, the dialect Alloy reads: \`\\p{Letter}\` is a JavaScript name for a Unicode class that Go's regexp refuses; use its short name, such as \\p{L}`,
    },
    {
      name: "mrn",
      why: "a named group",
      regex: "(?P<id>RJ1[0-9]{7})",
      problem: `${about("(?P<id>RJ1[0-9]{7})")} it must not name a group: Alloy would copy a named group into its extracted values; use (...) or (?:...)`,
    },
    {
      name: "mrn",
      why: "two capture groups",
      regex: "(RJ1)([0-9]{7})",
      problem: `${about("(RJ1)([0-9]{7})")} it must have at most one capture group, the text to redact; group the rest with (?:...)`,
    },
    {
      name: "mrn",
      why: "a regex that matches empty text",
      regex: "[0-9]*",
      problem: `${about("[0-9]*")} it must not match empty text, or the marker would be put between characters all through the line`,
    },
    {
      name: "mrn",
      why: "a regex that matches only a word boundary",
      regex: "\\b",
      problem: `${about("\\b")} it must not match empty text, or the marker would be put between characters all through the line`,
    },
  ])("refuses $why", ({ why, problem, ...pattern }) => {
    expect(why).not.toBe("");
    expect(redactPatternProblem(pattern)).toBe(problem);
  });

  it("refuses two patterns with one name, and reports every problem of the list", () => {
    expect(
      redactPatternsProblems([
        { name: "mrn", regex: "RJ1[0-9]{7}" },
        { name: "mrn", regex: "RJ2[0-9]{7}" },
        { name: "Bad", regex: "x" },
      ]),
    ).toEqual([
      "`redact` has two patterns named `mrn`, but each marker must say which pattern matched",
      '`redact` has a pattern named "Bad", but a name must be 1-32 lowercase letters, digits and hyphens, starting with a letter',
    ]);
  });
});
