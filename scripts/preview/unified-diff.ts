/**
 * Unified diffs of rendered files, in the format of `diff -u`, computed by jsdiff (`diff`).
 */
import { structuredPatch, type StructuredPatchHunk } from "diff";

/** Beyond this many changed lines a file is not searched for a shortest diff: it shows as replaced whole. */
export const MAX_EDIT_LENGTH = 2_000;

/**
 * Unified diff of two texts with `context` lines around each change, in the format of
 * `diff -u` (headers "--- <oldName>" and "+++ <newName>", "\ No newline at end of file" markers).
 * Returns "" when the texts are equal.
 */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return "";
  const patch = structuredPatch(oldName, newName, oldText, newText, undefined, undefined, {
    context,
    maxEditLength: MAX_EDIT_LENGTH,
  });
  const hunks = patch?.hunks ?? [wholeFileHunk(oldText, newText)];
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const hunk of hunks) {
    out.push(`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`, ...hunk.lines);
  }
  return out.join("\n") + "\n";
}

/** Every old line removed, then every new line added: the diff of a change too large to search. */
function wholeFileHunk(oldText: string, newText: string): StructuredPatchHunk {
  const removed = structuredPatch("", "", oldText, "", undefined, undefined, { context: 0 }).hunks;
  const added = structuredPatch("", "", "", newText, undefined, undefined, { context: 0 }).hunks;
  return {
    oldStart: 1,
    oldLines: removed.reduce((n, h) => n + h.oldLines, 0),
    newStart: 1,
    newLines: added.reduce((n, h) => n + h.newLines, 0),
    lines: [...removed.flatMap((h) => h.lines), ...added.flatMap((h) => h.lines)],
  };
}

/**
 * A hunk range as `diff -u` writes it; jsdiff's formatPatch always writes the count, `diff -u`
 * leaves out ",1", and an empty range names the line before it.
 */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  if (count === 1) return `${start}`;
  return `${start},${count}`;
}
