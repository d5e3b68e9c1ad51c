/**
 * Builds the "rendered diff" pull-request comment from the comparison of two renders: one
 * summary line per stack, then the container actions and a unified diff per changed file, cut to
 * stay under GitHub's comment size limit.
 */
import { ContainerChange } from "./containers";
import { StackDiff } from "./compare";

/** Hidden first line of the comment; the workflow finds the comment to update by it. */
export const MARKER = "<!-- flip-logging-rendered-diff -->";

/** GitHub rejects comments over 65536 characters; stay well below, counting UTF-8 bytes. */
export const MAX_COMMENT_LENGTH = 60_000;

/** Longest diff shown for one file before it is cut. */
export const MAX_LINES_PER_FILE_DIFF = 400;

/** What the comment says about where the two renders come from, and its size limit. */
export interface CommentOptions {
  /** The base commit, shortened to 12 characters in the comment. */
  baseSha?: string;
  /** The pull request's commit (or another name for the head side), shortened the same way. */
  headSha?: string;
  /** The base commit has no render command, so every head stack shows as added. */
  baseRenderUnavailable?: boolean;
  /** Largest body in UTF-8 bytes; MAX_COMMENT_LENGTH unless set. */
  maxLength?: number;
}

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

/** A commit id cut to 12 characters; anything else (a name for the working tree, say) as it is. */
function short(sha: string | undefined): string {
  if (!sha) return "?";
  return /^[0-9a-f]+$/i.test(sha) ? sha.slice(0, 12) : sha;
}

function describeStack(d: StackDiff): string {
  if (d.status === "failed") return "render failed";
  const n = d.files.length;
  const files = `${n} file${n === 1 ? "" : "s"} ${d.status === "removed" ? "removed" : d.status === "added" ? "added" : "changed"}`;
  return d.status === "added" ? `new stack, ${files}` : d.status === "removed" ? `stack removed, ${files}` : files;
}
