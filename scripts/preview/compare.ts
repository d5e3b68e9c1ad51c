/**
 * Compares two render output folders, each holding one folder per stack as written by
 * scripts/render-all.sh: per stack, the container actions and the changed files.
 *
 * Stacks, files and containers are sorted, so the same two folders always compare the same.
 */
import * as fs from "fs";
import * as path from "path";
import { classifyContainers, ContainerChanges, noContainerChanges, readContainers } from "./containers";
import { unifiedDiff } from "./unified-diff";

/** Written by render-all.sh into a stack folder whose render failed; holds the error output. */
export const RENDER_FAILED_FILE = "RENDER_FAILED";

/** Written by render-all.sh at the top of an output folder when that commit has no render command. */
export const RENDER_UNAVAILABLE_FILE = ".render-unavailable";

/** How a rendered file differs between the two sides. */
export type FileStatus = "added" | "removed" | "modified";

/** One rendered file that differs. */
export interface FileDiff {
  /** Path inside the stack folder, with forward slashes. */
  file: string;
  /** Added, removed or modified. */
  status: FileStatus;
  /** Unified diff text ("" for binary files). */
  diff: string;
  /** Whether either side holds a NUL byte, so no text diff is shown. */
  binary: boolean;
}

/** How a stack differs between the two sides. */
export type StackStatus = "added" | "removed" | "changed" | "unchanged" | "failed";

/** What changes in one stack. */
export interface StackDiff {
  /** The stack's name. */
  stack: string;
  /** Added, removed, changed, unchanged, or failed to render. */
  status: StackStatus;
  /** What `pulumi up` would do to each container. */
  containers: ContainerChanges;
  /** The rendered files that differ, sorted. */
  files: FileDiff[];
  /** Set when the render of this stack failed on the base and/or the head commit. */
  failures?: { side: "base" | "head"; log: string }[];
}

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
    if (failures.length > 0) return { stack, status: "failed", containers: noContainerChanges(), files: [], failures };

    const containers = classifyContainers(readContainers(b), readContainers(h));
    const files = diffFiles(stack, b, h);
    const status: StackStatus = !b ? "added" : !h ? "removed" : files.length > 0 ? "changed" : "unchanged";
    return { stack, status, containers, files };
  });
}

/** Whether render-all.sh found no render command in the commit it rendered into `outDir`. */
export function renderUnavailable(outDir: string): boolean {
  return fs.existsSync(path.join(outDir, RENDER_UNAVAILABLE_FILE));
}
