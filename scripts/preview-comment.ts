/**
 * Builds the "rendered diff" pull-request comment: what a change would do at each site.
 *
 *   ts-node --transpile-only scripts/preview-comment.ts --base <dir> --head <dir> [--out <file>]
 *       [--base-sha <sha>] [--head-sha <sha>]
 *
 * <dir> holds one folder per stack, each the output of `npm run render -- --stack <stack> --out <dir>/<stack>`
 * (see scripts/render-all.sh). The script needs no Pulumi backend, no secrets and no Docker: it only
 * compares two trees of files. Per stack it reports which containers would be replaced, updated,
 * created or deleted (from containers.json) and a unified diff of every changed file.
 *
 * Everything here is deterministic: stacks, files and containers are sorted, so the same two
 * folders always give the same comment.
 */
import * as fs from "fs";
import * as path from "path";
import { sortKeys } from "../components/plan/spec";

/** Hidden first line of the comment; the workflow finds the comment to update by it. */
export const MARKER = "<!-- flip-logging-rendered-diff -->";

/** GitHub rejects comments over 65536 characters; stay well below, counting UTF-8 bytes. */
export const MAX_COMMENT_LENGTH = 60_000;

/** Longest diff shown for one file before it is cut. */
export const MAX_LINES_PER_FILE_DIFF = 400;

/** Written by render-all.sh into a stack folder whose render failed; holds the error output. */
export const RENDER_FAILED_FILE = "RENDER_FAILED";

/** Written by render-all.sh at the top of an output folder when that commit has no render command. */
export const RENDER_UNAVAILABLE_FILE = ".render-unavailable";

/**
 * containers.json keys whose change Docker (and the Pulumi Docker provider) can only apply by
 * recreating the container. Any key not listed here or in UPDATE_IN_PLACE_KEYS is also treated
 * as replacing, so an unknown change is never reported as harmless.
 */
export const REPLACING_KEYS = [
  "image",
  "command",
  "env",
  "ports",
  "mounts",
  "labels",
  "networks",
  "uploads",
  "user",
  "healthcheck",
  "logDriver",
  "capabilities",
  "securityOpts",
] as const;

/** containers.json keys that the provider changes on the running container. */
export const UPDATE_IN_PLACE_KEYS = ["restart", "stopGracePeriodSeconds"] as const;

export type Container = { name: string } & Record<string, unknown>;

export interface ContainerChange {
  name: string;
  /** Top-level containers.json keys that differ (empty for created/deleted). */
  changedKeys: string[];
}

export interface ContainerChanges {
  replaced: ContainerChange[];
  updated: ContainerChange[];
  created: ContainerChange[];
  deleted: ContainerChange[];
}

export type FileStatus = "added" | "removed" | "modified";

export interface FileDiff {
  /** Path inside the stack folder, with forward slashes. */
  file: string;
  status: FileStatus;
  /** Unified diff text ("" for binary files). */
  diff: string;
  binary: boolean;
}

export type StackStatus = "added" | "removed" | "changed" | "unchanged" | "failed";

export interface StackDiff {
  stack: string;
  status: StackStatus;
  containers: ContainerChanges;
  files: FileDiff[];
  /** Set when the render of this stack failed on the base and/or the head commit. */
  failures?: { side: "base" | "head"; log: string }[];
}

export interface CommentOptions {
  baseSha?: string;
  headSha?: string;
  /** The base commit has no render command, so every head stack shows as added. */
  baseRenderUnavailable?: boolean;
  maxLength?: number;
}

// ---------------------------------------------------------------------------------------------
// Unified diff
// ---------------------------------------------------------------------------------------------

interface Line {
  text: string;
  /** The file's last line, with no newline after it. */
  noEol: boolean;
}

function splitLines(content: string): Line[] {
  if (content === "") return [];
  const parts = content.split("\n");
  const endsWithNewline = parts[parts.length - 1] === "";
  if (endsWithNewline) parts.pop();
  return parts.map((text, i) => ({ text, noEol: !endsWithNewline && i === parts.length - 1 }));
}

type Op = { kind: " " | "-" | "+"; line: Line; oldIndex: number; newIndex: number };

/** Beyond this many differences after trimming the common ends, the diff is shown as one block. */
const MAX_EDIT_DISTANCE = 2_000;

/**
 * Shortest edit script between a and b (Myers' O(ND) algorithm), as a sequence of equal, deleted
 * and inserted lines in file order. Deletions are placed before insertions in each changed run.
 */
function editScript(a: Line[], b: Line[]): Op[] {
  const key = (l: Line): string => (l.noEol ? `${l.text}\n\\` : l.text);
  const ak = a.map(key);
  const bk = b.map(key);

  let prefix = 0;
  while (prefix < ak.length && prefix < bk.length && ak[prefix] === bk[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < ak.length - prefix &&
    suffix < bk.length - prefix &&
    ak[ak.length - 1 - suffix] === bk[bk.length - 1 - suffix]
  ) {
    suffix++;
  }

  const ops: Op[] = [];
  for (let i = 0; i < prefix; i++) ops.push({ kind: " ", line: a[i], oldIndex: i, newIndex: i });

  const n = ak.length - prefix - suffix;
  const m = bk.length - prefix - suffix;
  const middle: Op[] = [];
  const emitDelete = (i: number): number =>
    middle.push({ kind: "-", line: a[prefix + i], oldIndex: prefix + i, newIndex: -1 });
  const emitInsert = (j: number): number =>
    middle.push({ kind: "+", line: b[prefix + j], oldIndex: -1, newIndex: prefix + j });

  const trace = n > 0 && m > 0 ? myersTrace(ak, bk, prefix, n, m) : undefined;
  if (trace === undefined) {
    for (let i = 0; i < n; i++) emitDelete(i);
    for (let j = 0; j < m; j++) emitInsert(j);
  } else {
    // Walk back from (n, m) to (0, 0): round d moved from a point reached in round d-1,
    // followed by a run of equal lines (a "snake").
    const reversed: Op[] = [];
    const equal = (x: number, y: number): number =>
      reversed.push({ kind: " ", line: a[prefix + x], oldIndex: prefix + x, newIndex: prefix + y });
    let x = n;
    let y = m;
    for (let d = trace.length - 1; d > 0; d--) {
      const v = trace[d];
      const at = (k: number): number => v[k + d + 1];
      const k = x - y;
      const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
      const prevK = down ? k + 1 : k - 1;
      const prevX = at(prevK);
      const prevY = prevX - prevK;
      while (x > prevX && y > prevY) equal(--x, --y);
      if (down) {
        y--;
        reversed.push({ kind: "+", line: b[prefix + y], oldIndex: -1, newIndex: prefix + y });
      } else {
        x--;
        reversed.push({ kind: "-", line: a[prefix + x], oldIndex: prefix + x, newIndex: -1 });
      }
    }
    while (x > 0 && y > 0) equal(--x, --y);
    reversed.reverse();
    // Within each run of changes, list deletions before insertions (as diff -u does).
    let i = 0;
    while (i < reversed.length) {
      if (reversed[i].kind === " ") {
        middle.push(reversed[i++]);
        continue;
      }
      const dels: Op[] = [];
      const ins: Op[] = [];
      while (i < reversed.length && reversed[i].kind !== " ") {
        (reversed[i].kind === "-" ? dels : ins).push(reversed[i]);
        i++;
      }
      middle.push(...dels, ...ins);
    }
  }
  ops.push(...middle);

  for (let s = suffix; s > 0; s--) {
    ops.push({ kind: " ", line: a[a.length - s], oldIndex: a.length - s, newIndex: b.length - s });
  }
  return ops;
}

/**
 * Forward pass of Myers' algorithm on a[prefix..prefix+n) and b[prefix..prefix+m). Returns, for
 * each round d, the furthest x reached on diagonals -d-1..d+1 before that round (trace[d][k+d+1]),
 * or undefined if the edit distance exceeds MAX_EDIT_DISTANCE.
 */
function myersTrace(ak: string[], bk: string[], prefix: number, n: number, m: number): Int32Array[] | undefined {
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
          ? v[offset + k + 1]
          : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && ak[prefix + x] === bk[prefix + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return trace;
    }
  }
  return undefined;
}

function hunkRange(start: number, count: number): string {
  // diff -u convention: 1-based start; an empty range starts at the line before it; ",1" omitted.
  if (count === 0) return `${start},0`;
  if (count === 1) return `${start + 1}`;
  return `${start + 1},${count}`;
}

/**
 * Unified diff of two texts with `context` lines around each change, in the format of
 * `diff -u` (headers "--- a/<name>" and "+++ b/<name>", "\ No newline at end of file" markers).
 * Returns "" when the texts are equal.
 */
export function unifiedDiff(
  oldText: string,
  newText: string,
  oldName: string,
  newName: string,
  context = 3,
): string {
  if (oldText === newText) return "";
  const ops = editScript(splitLines(oldText), splitLines(newText));

  // Group changes into hunks: changes closer than 2*context lines share one hunk.
  const changeIdx: number[] = [];
  ops.forEach((op, i) => {
    if (op.kind !== " ") changeIdx.push(i);
  });
  const groups: [number, number][] = [];
  for (const i of changeIdx) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] - 1 <= 2 * context) last[1] = i;
    else groups.push([i, i]);
  }

  const out: string[] = [`--- ${oldName}`, `+++ ${newName}`];
  // Line positions before op i, used for the hunk header.
  const oldBefore: number[] = [];
  const newBefore: number[] = [];
  let o = 0;
  let nn = 0;
  for (const op of ops) {
    oldBefore.push(o);
    newBefore.push(nn);
    if (op.kind !== "+") o++;
    if (op.kind !== "-") nn++;
  }
  for (const [first, last] of groups) {
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length - 1, last + context);
    let oldCount = 0;
    let newCount = 0;
    const body: string[] = [];
    for (let i = start; i <= end; i++) {
      const op = ops[i];
      if (op.kind !== "+") oldCount++;
      if (op.kind !== "-") newCount++;
      body.push(`${op.kind}${op.line.text}`);
      if (op.line.noEol) body.push("\\ No newline at end of file");
    }
    out.push(
      `@@ -${hunkRange(oldBefore[start], oldCount)} +${hunkRange(newBefore[start], newCount)} @@`,
      ...body,
    );
  }
  return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------

/**
 * Classifies each container by what `pulumi up` would do to it, matching containers by name:
 * replaced when any key other than the update-in-place keys differs (unknown keys count as
 * replacing), updated when only update-in-place keys differ, created/deleted when present on one
 * side only. Unchanged containers are not listed. Every list is sorted by name.
 */
export function classifyContainers(base: Container[], head: Container[]): ContainerChanges {
  const result: ContainerChanges = { replaced: [], updated: [], created: [], deleted: [] };
  const baseByName = new Map(base.map((c) => [c.name, c]));
  const headByName = new Map(head.map((c) => [c.name, c]));
  const inPlace = new Set<string>(UPDATE_IN_PLACE_KEYS);
  const names = [...new Set([...baseByName.keys(), ...headByName.keys()])].sort();
  for (const name of names) {
    const b = baseByName.get(name);
    const h = headByName.get(name);
    if (!b) {
      result.created.push({ name, changedKeys: [] });
      continue;
    }
    if (!h) {
      result.deleted.push({ name, changedKeys: [] });
      continue;
    }
    const keys = [...new Set([...Object.keys(b), ...Object.keys(h)])].sort();
    // Keys sorted, so that key order never counts as a change.
    const changedKeys = keys.filter((k) => JSON.stringify(sortKeys(b[k])) !== JSON.stringify(sortKeys(h[k])));
    if (changedKeys.length === 0) continue;
    if (changedKeys.every((k) => inPlace.has(k))) result.updated.push({ name, changedKeys });
    else result.replaced.push({ name, changedKeys });
  }
  return result;
}

function readContainers(stackDir: string | undefined): Container[] {
  if (!stackDir) return [];
  const file = path.join(stackDir, "containers.json");
  if (!fs.existsSync(file)) return [];
  const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of containers`);
  return parsed.map((c: unknown, i) => {
    if (c === null || typeof c !== "object" || typeof (c as { name?: unknown }).name !== "string") {
      throw new Error(`${file}: container ${i} has no "name"`);
    }
    return c as Container;
  });
}

// ---------------------------------------------------------------------------------------------
// Stacks and files
// ---------------------------------------------------------------------------------------------

/** Files under dir, relative, with forward slashes, sorted. */
function listFiles(dir: string | undefined): string[] {
  if (!dir || !fs.existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(relPath);
      else if (entry.isFile()) files.push(relPath);
    }
  };
  walk("");
  return files.sort();
}

/** Stack folders directly under dir, sorted. */
function listStacks(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

function isBinary(buf: Buffer): boolean {
  return buf.includes(0);
}

function diffFiles(stack: string, baseDir: string | undefined, headDir: string | undefined): FileDiff[] {
  const baseFiles = new Set(listFiles(baseDir));
  const headFiles = new Set(listFiles(headDir));
  const all = [...new Set([...baseFiles, ...headFiles])].sort();
  const diffs: FileDiff[] = [];
  for (const file of all) {
    const oldBuf = baseFiles.has(file) ? fs.readFileSync(path.join(baseDir as string, file)) : undefined;
    const newBuf = headFiles.has(file) ? fs.readFileSync(path.join(headDir as string, file)) : undefined;
    if (oldBuf && newBuf && oldBuf.equals(newBuf)) continue;
    const status: FileStatus = !oldBuf ? "added" : !newBuf ? "removed" : "modified";
    const binary = (oldBuf !== undefined && isBinary(oldBuf)) || (newBuf !== undefined && isBinary(newBuf));
    const diff = binary
      ? ""
      : unifiedDiff(
          oldBuf ? oldBuf.toString("utf8") : "",
          newBuf ? newBuf.toString("utf8") : "",
          oldBuf ? `a/${stack}/${file}` : "/dev/null",
          newBuf ? `b/${stack}/${file}` : "/dev/null",
        );
    diffs.push({ file, status, diff, binary });
  }
  return diffs;
}

function readFailure(stackDir: string | undefined): string | undefined {
  if (!stackDir) return undefined;
  const file = path.join(stackDir, RENDER_FAILED_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/**
 * Compares two render output folders (one subfolder per stack) and describes, per stack, the
 * container actions and file changes. Stacks are sorted by name; unchanged stacks are included
 * with status "unchanged".
 */
export function diffStacks(baseDir: string, headDir: string): StackDiff[] {
  const baseStacks = new Set(listStacks(baseDir));
  const headStacks = new Set(listStacks(headDir));
  const stacks = [...new Set([...baseStacks, ...headStacks])].sort();
  return stacks.map((stack): StackDiff => {
    const b = baseStacks.has(stack) ? path.join(baseDir, stack) : undefined;
    const h = headStacks.has(stack) ? path.join(headDir, stack) : undefined;
    const failures: { side: "base" | "head"; log: string }[] = [];
    const baseFailure = readFailure(b);
    const headFailure = readFailure(h);
    if (baseFailure !== undefined) failures.push({ side: "base", log: baseFailure });
    if (headFailure !== undefined) failures.push({ side: "head", log: headFailure });
    const empty: ContainerChanges = { replaced: [], updated: [], created: [], deleted: [] };
    if (failures.length > 0) return { stack, status: "failed", containers: empty, files: [], failures };

    const containers = classifyContainers(readContainers(b), readContainers(h));
    const files = diffFiles(stack, b, h);
    const status: StackStatus = !b ? "added" : !h ? "removed" : files.length > 0 ? "changed" : "unchanged";
    return { stack, status, containers, files };
  });
}

// ---------------------------------------------------------------------------------------------
// Comment
// ---------------------------------------------------------------------------------------------

function names(changes: ContainerChange[]): string {
  return changes.length === 0 ? "none" : changes.map((c) => c.name).join(", ");
}

/** The one-line summary of a stack, e.g. "**prod**: replaced: prod-loki; updated: none; ...". */
export function summaryLine(d: StackDiff): string {
  const c = d.containers;
  const head = `**${d.stack}**`;
  switch (d.status) {
    case "unchanged":
      return `${head}: no changes`;
    case "failed":
      return `${head}: :warning: render failed on ${d.failures?.map((f) => f.side).join(" and ")}; changes unknown`;
    case "added":
      return `${head}: added (new stack); created: ${names(c.created)}`;
    case "removed":
      return `${head}: removed (stack deleted); deleted: ${names(c.deleted)}`;
    case "changed":
      return (
        `${head}: replaced: ${names(c.replaced)}; updated: ${names(c.updated)}; ` +
        `created: ${names(c.created)}; deleted: ${names(c.deleted)}`
      );
  }
}

/** A code fence longer than any run of backticks in the text, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((s) => s.length));
  return "`".repeat(Math.max(3, longest + 1));
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function truncateLines(text: string, maxLines: number, maxBytes: number): { text: string; cut: number } {
  const lines = text.replace(/\n$/, "").split("\n");
  const kept: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (kept.length >= maxLines || bytes + byteLength(line) + 1 > maxBytes) break;
    kept.push(line);
    bytes += byteLength(line) + 1;
  }
  return { text: kept.join("\n") + (kept.length ? "\n" : ""), cut: lines.length - kept.length };
}

function containerDetails(d: StackDiff): string[] {
  const rows: string[] = [];
  const c = d.containers;
  for (const x of c.replaced) rows.push(`- \`${x.name}\`: **replaced** (changed: ${x.changedKeys.join(", ")})`);
  for (const x of c.updated) rows.push(`- \`${x.name}\`: updated in place (changed: ${x.changedKeys.join(", ")})`);
  for (const x of c.created) rows.push(`- \`${x.name}\`: created`);
  for (const x of c.deleted) rows.push(`- \`${x.name}\`: deleted`);
  return rows;
}

/**
 * The comment body: marker, heading, one summary line per stack, then a collapsed block per
 * changed stack with the container actions and a unified diff per changed file. Diffs are cut
 * (with a note saying so) to keep the body under maxLength UTF-8 bytes.
 */
export function formatComment(diffs: StackDiff[], options: CommentOptions = {}): string {
  const maxLength = options.maxLength ?? MAX_COMMENT_LENGTH;
  const sorted = [...diffs].sort((x, y) => (x.stack < y.stack ? -1 : x.stack > y.stack ? 1 : 0));
  const anyChange = sorted.some((d) => d.status !== "unchanged");

  const head: string[] = [MARKER, "## Rendered changes per site", ""];
  if (options.baseSha || options.headSha) {
    head.push(`Compared \`${short(options.baseSha)}\` (base) with \`${short(options.headSha)}\` (this pull request).`, "");
  }
  head.push(
    "Rendered with `npm run render` for every `Pulumi.<stack>.yaml`: no Pulumi backend, secrets or Docker involved. " +
      "Replaced containers are recreated by `pulumi up` (a short outage of that service at the site).",
    "",
  );
  if (options.baseRenderUnavailable) {
    head.push("> The base commit has no `npm run render`, so every stack is shown as added.", "");
  }
  if (sorted.length === 0) {
    head.push("**No changes**: no stacks were rendered on either side.");
    return head.join("\n") + "\n";
  }
  if (!anyChange) head.push("**No changes** to any stack.", "");
  for (const d of sorted) head.push(`- ${summaryLine(d)}`);
  head.push("");

  const truncationNote =
    "\n> :scissors: Some diffs were cut to keep this comment short. Run " +
    "`npm run render -- --stack <stack> --out <dir>` on both commits to see them in full.\n";
  // Room left for the per-stack sections, keeping space for the note and the closing tags.
  let remaining = maxLength - byteLength(head.join("\n")) - byteLength(truncationNote) - 64;
  let truncated = false;
  const sections: string[] = [];
  const close = "\n</details>\n";
  // Files whose diff is still to be written; each gets an equal share of the room left, so one
  // huge file cannot crowd out the diffs of the other stacks.
  let filesLeft = sorted
    .filter((d) => d.status === "added" || d.status === "changed")
    .reduce((n, d) => n + d.files.filter((f) => !f.binary).length, 0);

  for (const d of sorted) {
    if (d.status === "unchanged") continue;
    const open = `<details><summary><b>${d.stack}</b>: ${describeStack(d)}</summary>\n`;
    if (byteLength(open) + byteLength(close) + 1 > remaining) {
      truncated = true;
      continue;
    }
    remaining -= byteLength(open) + byteLength(close) + 1;
    const parts: string[] = [open];
    const add = (s: string): boolean => {
      if (byteLength(s) > remaining) {
        truncated = true;
        return false;
      }
      parts.push(s);
      remaining -= byteLength(s);
      return true;
    };

    if (d.status === "failed") {
      for (const f of d.failures ?? []) {
        const tail = f.log.replace(/\n$/, "").split("\n").slice(-40).join("\n") + "\n";
        const fence = fenceFor(tail);
        add(`\nRender output on **${f.side}** (last lines):\n\n${fence}\n${tail}${fence}\n`);
      }
    } else {
      const rows = containerDetails(d);
      if (rows.length > 0) add(`\n${rows.join("\n")}\n`);
      for (const f of d.files) {
        if (d.status === "removed") {
          add(`\n- \`${f.file}\` removed\n`);
          continue;
        }
        const title = `\n\`${f.file}\` (${f.status})\n\n`;
        if (f.binary) {
          add(`${title}Binary file ${f.status === "modified" ? "differs" : f.status}.\n`);
          continue;
        }
        const fence = fenceFor(f.diff);
        const noteRoom = 80;
        const frame = byteLength(`${title}${fence}diff\n${fence}\n`) + noteRoom;
        const share = Math.floor(remaining / Math.max(1, filesLeft--));
        const cut = truncateLines(f.diff, MAX_LINES_PER_FILE_DIFF, share - frame);
        if (cut.text === "") {
          add(`\n\`${f.file}\` (${f.status}): diff left out, the comment is too long.\n`);
          truncated = true;
          continue;
        }
        let note = "";
        if (cut.cut > 0) {
          note = `_… ${cut.cut} more line${cut.cut === 1 ? "" : "s"} of this diff not shown._\n`;
          truncated = true;
        }
        add(`${title}${fence}diff\n${cut.text}${fence}\n${note}`);
      }
    }
    parts.push(close);
    sections.push(parts.join(""));
  }

  let body = head.join("\n") + (sections.length > 0 ? "\n" + sections.join("\n") : "");
  if (truncated) body += truncationNote;
  return body;
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : "?";
}

function describeStack(d: StackDiff): string {
  if (d.status === "failed") return "render failed";
  const n = d.files.length;
  const files = `${n} file${n === 1 ? "" : "s"} ${d.status === "removed" ? "removed" : d.status === "added" ? "added" : "changed"}`;
  return d.status === "added" ? `new stack, ${files}` : d.status === "removed" ? `stack removed, ${files}` : files;
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function parseArgs(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--") || i + 1 >= argv.length) throw new Error(`unexpected argument: ${a}`);
    args[a.slice(2)] = argv[++i];
  }
  return args;
}

export function main(argv: string[]): number {
  let args: Record<string, string>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    args = {};
  }
  if (!args.base || !args.head) {
    process.stderr.write(
      "usage: preview-comment.ts --base <dir> --head <dir> [--out <file>] [--base-sha <sha>] [--head-sha <sha>]\n",
    );
    return 2;
  }
  const diffs = diffStacks(args.base, args.head);
  const body = formatComment(diffs, {
    baseSha: args["base-sha"],
    headSha: args["head-sha"],
    baseRenderUnavailable: fs.existsSync(path.join(args.base, RENDER_UNAVAILABLE_FILE)),
  });
  if (args.out) fs.writeFileSync(args.out, body);
  else process.stdout.write(body);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
