import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import * as fs from "fs";
import * as path from "path";
import schema from "../contract/log-line.schema.json";
import { contractFieldsMarked } from "../scripts/proof/contract-lines";

const FIXTURES = path.join(__dirname, "fixtures", "log-lines");

/** The lines of a JSONL fixture, with their line numbers. */
function fixtureLines(name: string): Array<{ line: number; text: string; record: Record<string, unknown> }> {
  return fs
    .readFileSync(path.join(FIXTURES, name), "utf8")
    .split("\n")
    .map((text, index) => ({ line: index + 1, text }))
    .filter(({ text }) => text.trim() !== "")
    .map(({ line, text }) => ({ line, text, record: JSON.parse(text) as Record<string, unknown> }));
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
ajv.addKeyword("x-loki-label");
ajv.addKeyword("x-loki-structured-metadata");
addFormats(ajv);
const validate = ajv.compile(schema);

const valid = fixtureLines("valid.jsonl");
const invalid = fixtureLines("invalid.jsonl");

describe("log line contract", () => {
  it.each(valid.map((f) => ({ ...f, what: `${f.record.api} ${f.record.level} ${f.record.event ?? "(no event)"}` })))(
    "accepts valid.jsonl line $line ($what)",
    ({ record }) => {
      const ok = validate(record);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    },
  );

  it.each(invalid.map((f) => ({ ...f, why: String(f.record.message).replace(/^invalid: /, "") })))(
    "rejects invalid.jsonl line $line: $why",
    ({ record }) => {
      expect(validate(record)).toBe(false);
    },
  );

  it("has fixtures for every request event and for the levels the dashboard counts as errors", () => {
    const events = new Set(valid.map((f) => f.record.event));
    const levels = new Set(valid.map((f) => f.record.level));
    for (const event of ["request.started", "request.completed", "request.failed"]) expect(events).toContain(event);
    for (const level of ["ERROR", "CRITICAL"]) expect(levels).toContain(level);
    expect(valid.some((f) => f.record.event === "request.completed" && Number(f.record.status_code) >= 500)).toBe(true);
  });

  it("writes fixtures the way Python's json.dumps does, one object per line with ': ' and ', '", () => {
    for (const { text, record } of valid) {
      expect(text).toBe(pythonJsonDumps(record));
    }
  });

  it("marks exactly level, api and event as the fields Alloy promotes to Loki labels", () => {
    expect(contractFieldsMarked("x-loki-label").sort()).toEqual(["api", "event", "level"]);
  });
});

// json.dumps with its default separators and ensure_ascii=False, for the plain values fixtures hold.
function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJsonDumps(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}
