/**
 * `npm run preview -- --stack <name> [--base <git ref>]`: on this machine, the "rendered diff"
 * comment a pull request would get for one stack, printed on stdout.
 *
 * The stack is rendered at the base commit and in the working tree with the workflow's own steps
 * (scripts/render-all.sh, then the comment of ./cli.ts). The base commit is unpacked with
 * `git archive` into a temp folder, which is removed afterwards.
 *
 * Base by default: `HEAD` when the working tree has uncommitted changes (what those changes do),
 * otherwise `origin/main` (what the branch does, as its pull request would show), or `main`, or
 * `HEAD` where those do not exist; a line on stderr says which base was taken and why.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import type { Output } from "../render";
import { commentForRenders } from "./cli";

const USAGE = "usage: npm run preview -- --stack <name> [--base <git ref>]";
const RENDER_ALL = path.join(__dirname, "..", "render-all.sh");

/** Thrown for a problem the user can fix; the message is the whole story, no stack trace. */
class PreviewError extends Error {}

/** Runs a command to its end; throws with its output when it fails, or when it was interrupted. */
function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new PreviewError(`${command} ${args[0]}: ${r.error.message}`);
  if (r.signal) throw new PreviewError(`${command} ${args[0]} stopped by ${r.signal}`);
  if (r.status !== 0) throw new PreviewError(`${command} ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`.trimEnd());
  return r.stdout;
}

/** The commit a ref names, or undefined when it names none. */
function commitOf(projectDir: string, ref: string): string | undefined {
  const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: projectDir, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Whether the working tree (untracked files included) is as HEAD has it. */
function isClean(projectDir: string): boolean {
  return run("git", ["status", "--porcelain"], projectDir).trim() === "";
}

/** The base to compare with when none is given, and why it was chosen. */
function defaultBase(projectDir: string, clean: boolean): { ref: string; reason: string } {
  if (!clean) return { ref: "HEAD", reason: "the working tree has uncommitted changes, so it is compared with HEAD" };
  if (commitOf(projectDir, "origin/main")) return { ref: "origin/main", reason: "" };
  // No remote called origin (a fresh `git init`, a mirror): the local main is the next best stand-in.
  if (commitOf(projectDir, "main")) return { ref: "main", reason: "origin/main does not exist, so the working tree is compared with main" };
  return { ref: "HEAD", reason: "neither origin/main nor main exists, so the working tree is compared with HEAD" };
}

/** Unpacks the project folder as it is at `commit` into `dir`, with the working tree's node_modules. */
function unpackCommit(projectDir: string, commit: string, dir: string): void {
  const prefix = run("git", ["rev-parse", "--show-prefix"], projectDir).trim();
  const archive = `${dir}.tar`;
  run("git", ["archive", `--output=${archive}`, prefix ? `${commit}:${prefix}` : commit], projectDir);
  fs.mkdirSync(dir);
  run("tar", ["-xf", archive, "-C", dir], projectDir);
  // The workflow installs the base's own dependencies; here the working tree's are reused, which
  // is quicker and offline, and the same unless the change is to package.json itself.
  const modules = path.join(projectDir, "node_modules");
  if (fs.existsSync(modules) && !fs.existsSync(path.join(dir, "node_modules"))) {
    fs.symlinkSync(modules, path.join(dir, "node_modules"), "dir");
  }
}

/** render-all.sh for one stack of a checkout, into outDir/<stack>. */
function renderStack(stack: string, checkout: string, outDir: string): void {
  const r = spawnSync("bash", [RENDER_ALL, "--stack", stack, checkout, outDir], { encoding: "utf8" });
  if (r.signal) throw new PreviewError(`render stopped by ${r.signal}`);
  // Status 1 is a stack that failed to render: the comment shows its output.
  if (r.status !== 0 && r.status !== 1) throw new PreviewError(`render-all.sh failed:\n${r.stdout}${r.stderr}`.trimEnd());
}

/**
 * The preview command: compares `--stack` at `--base` (or the default base) with the working tree
 * of `projectDir`, writes the comment to `output.stdout`, and returns the exit code (2 for a
 * usage error, 1 for any other problem). Its temp folder is made in `tempRoot` and removed.
 */
export function main(argv: string[], projectDir: string, output: Output, tempRoot = os.tmpdir()): number {
  let values: { stack?: string; base?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, base: { type: "string" } }, strict: true }));
  } catch (error) {
    output.stderr(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.stack) {
    output.stderr(`${USAGE}\n`);
    return 2;
  }
  const stack = values.stack;

  let tmp: string | undefined;
  try {
    run("git", ["rev-parse", "--is-inside-work-tree"], projectDir);
    const clean = isClean(projectDir);
    const { ref, reason } = values.base !== undefined ? { ref: values.base, reason: "" } : defaultBase(projectDir, clean);
    const baseCommit = commitOf(projectDir, ref);
    if (!baseCommit) throw new PreviewError(`\`${ref}\` names no commit here; give another with --base <git ref>`);
    if (reason) output.stderr(`note: ${reason}\n`);

    tmp = fs.mkdtempSync(path.join(tempRoot, "flip-preview-"));
    const baseTree = path.join(tmp, "base");
    unpackCommit(projectDir, baseCommit, baseTree);
    const stackFile = `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(path.join(projectDir, stackFile)) && !fs.existsSync(path.join(baseTree, stackFile))) {
      throw new PreviewError(`no stack file ${stackFile} in the working tree or at ${ref}`);
    }

    output.stderr(`rendering stack ${stack} at ${ref} (${baseCommit.slice(0, 12)}) and in the working tree\n`);
    const baseOut = path.join(tmp, "render", "base");
    const headOut = path.join(tmp, "render", "head");
    renderStack(stack, baseTree, baseOut);
    renderStack(stack, projectDir, headOut);

    const headCommit = run("git", ["rev-parse", "HEAD"], projectDir).trim();
    output.stdout(commentForRenders(baseOut, headOut, { baseSha: baseCommit, headSha: clean ? headCommit : "working tree" }));
    return 0;
  } catch (error) {
    if (!(error instanceof PreviewError)) throw error;
    output.stderr(`${error.message}\n`);
    return 1;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  // Ctrl-C stops the git or render child; main then sees it, says so and removes its temp folder.
  process.on("SIGINT", () => undefined);
  process.exitCode = main(process.argv.slice(2), process.cwd(), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
