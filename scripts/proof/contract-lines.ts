/**
 * Pieces shared by the scripts that write contract lines of known truth into a Loki.
 */
import schema from "../../contract/log-line.schema.json";

/** The fields the log contract marks with `mark`: those Alloy makes Loki labels, or attaches as structured metadata. */
export function contractFieldsMarked(mark: "x-loki-label" | "x-loki-structured-metadata"): string[] {
  return Object.entries(schema.properties)
    .filter(([, spec]) => (spec as Record<string, unknown>)[mark] === true)
    .map(([name]) => name);
}

const STRUCTURED_METADATA = contractFieldsMarked("x-loki-structured-metadata");

/** A line's structured metadata as Alloy attaches it: each marked field the record has, as text. */
export function structuredMetadataOf(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(STRUCTURED_METADATA.filter((name) => record[name] !== undefined).map((name) => [name, String(record[name])]));
}

/** A small seeded generator, so every run writes the same lines (timestamps aside). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A JSON line as Python's json.dumps writes it (`", "` and `": "`), as log_config's formatter does. */
export function pythonJson(record: Record<string, unknown>): string {
  return `{${Object.entries(record)
    .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
    .join(", ")}}`;
}
