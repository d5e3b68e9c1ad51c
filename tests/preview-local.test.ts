/**
 * `npm run preview -- --stack <name> [--base <git ref>]` (scripts/preview/local.ts), on a tiny git
 * repository whose `npm run render` is a fake: it writes the stack file as loki/loki-config.yml and
 * a containers.json whose Loki upload carries that file's hash, as the real render does.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MARKER } from "../scripts/preview/comment";
import { main } from "../scripts/preview/local";

const FAKE_RENDER = `const fs = require("fs"), path = require("path"), crypto = require("crypto");
const a = process.argv.slice(2), stack = a[a.indexOf("--stack") + 1], out = a[a.indexOf("--out") + 1];
const config = fs.readFileSync("Pulumi." + stack + ".yaml", "utf8");
const sha256 = crypto.createHash("sha256").update(config).digest("hex");
fs.mkdirSync(path.join(out, "loki"), { recursive: true });
fs.writeFileSync(path.join(out, "loki", "loki-config.yml"), config);
const containers = [{ name: stack + "-loki", image: "grafana/loki:3.4.0", uploads: [{ file: "loki/loki-config.yml", sha256 }] }];
fs.writeFileSync(path.join(out, "containers.json"), JSON.stringify(containers, null, 2) + "\\n");
`;

const IDENTITY = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.org",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.org",
};

let tmp: string;
let repo: string;
/** Where the command makes its temp folder, so that the tests can see it removed. */
let scratch: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "preview-local-"));
  repo = path.join(tmp, "repo");
  fs.mkdirSync(repo);
  git("init", "-q", "-b", "main");
  fs.writeFileSync(path.join(repo, "package.json"), JSON.stringify({ name: "fake", private: true, scripts: { render: "node render.js" } }));
  fs.writeFileSync(path.join(repo, "render.js"), FAKE_RENDER);
  fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: flip-logging\n");
  fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), "retention_period: 720h\n");
  commitAll("first");
  scratch = path.join(tmp, "scratch");
  fs.mkdirSync(scratch);
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function git(...args: string[]): string {
  const r = spawnSync("git", args, { cwd: repo, encoding: "utf8", env: { ...process.env, ...IDENTITY } });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function commitAll(message: string): string {
  git("add", "-A");
  git("commit", "-q", "-m", message);
  return git("rev-parse", "HEAD");
}

function setRetention(value: string): void {
  fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), `retention_period: ${value}\n`);
}

function preview(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(argv, repo, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) }, scratch);
  return { code, stdout, stderr };
}

const RETENTION_DIFF = "\n-retention_period: 720h\n+retention_period: 2160h\n";

describe("npm run preview", () => {
  it("compares uncommitted changes with HEAD and prints the pull request's comment, leaving no temp folder", () => {
    const head = git("rev-parse", "HEAD");
    setRetention("2160h");
    const r = preview("--stack", "dev");
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`${MARKER}\n## Rendered changes per site\n`)).toBe(true);
    expect(r.stdout).toContain(`Compared \`${head.slice(0, 12)}\` (base) with \`working tree\` (this pull request).`);
    expect(r.stdout).toContain("- **dev**: replaced: dev-loki; updated: none; created: none; deleted: none\n");
    expect(r.stdout).toContain("- `dev-loki`: **replaced** (changed: uploads)");
    expect(r.stdout).toContain(RETENTION_DIFF);
    expect(r.stderr).toContain("note: the working tree has uncommitted changes, so it is compared with HEAD\n");
    expect(fs.readdirSync(scratch)).toEqual([]);
  });

  it("compares a clean branch with origin/main, as its pull request would", () => {
    const mainCommit = git("rev-parse", "HEAD");
    git("update-ref", "refs/remotes/origin/main", mainCommit);
    git("checkout", "-q", "-b", "longer-retention");
    setRetention("2160h");
    const branchCommit = commitAll("keep logs for 90 days");
    const r = preview("--stack", "dev");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Compared \`${mainCommit.slice(0, 12)}\` (base) with \`${branchCommit.slice(0, 12)}\` (this pull request).`);
    expect(r.stdout).toContain(RETENTION_DIFF);
    expect(r.stderr).not.toContain("note:");
  });

  it("falls back to main, and says so, when there is no origin/main", () => {
    const mainCommit = git("rev-parse", "HEAD");
    git("checkout", "-q", "-b", "longer-retention");
    setRetention("2160h");
    commitAll("keep logs for 90 days");
    const r = preview("--stack", "dev");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("note: origin/main does not exist, so the working tree is compared with main\n");
    expect(r.stdout).toContain(`Compared \`${mainCommit.slice(0, 12)}\` (base)`);
    expect(r.stdout).toContain(RETENTION_DIFF);
  });

  it("takes the base from --base and shows a stack the base lacks as added", () => {
    fs.writeFileSync(path.join(repo, "Pulumi.leeds.yaml"), "retention_period: 720h\n");
    commitAll("add leeds");
    const r = preview("--stack", "leeds", "--base", "HEAD~1");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("- **leeds**: added (new stack); created: leeds-loki\n");
  });

  it("refuses a base that names no commit", () => {
    expect(preview("--stack", "dev", "--base", "no-such-branch")).toEqual({
      code: 1,
      stdout: "",
      stderr: "`no-such-branch` names no commit here; give another with --base <git ref>\n",
    });
    expect(fs.readdirSync(scratch)).toEqual([]);
  });

  it("refuses a stack that has a stack file on neither side", () => {
    const r = preview("--stack", "leeds", "--base", "HEAD");
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toBe("no stack file Pulumi.leeds.yaml in the working tree or at HEAD\n");
    expect(fs.readdirSync(scratch)).toEqual([]);
  });

  it.each([
    ["no --stack", []],
    ["an unknown option", ["--stack", "dev", "--bsae", "HEAD"]],
  ])("prints its usage and exits 2 on %s", (_case, argv) => {
    const r = preview(...argv);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr.endsWith("usage: npm run preview -- --stack <name> [--base <git ref>]\n")).toBe(true);
  });
});
