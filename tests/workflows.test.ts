/**
 * Every GitHub Actions workflow of the repository passes a real workflow schema validator
 * (@action-validator/cli, the npm build of mpalmer/action-validator), and the pull-request preview
 * workflow keeps the properties the review process relies on.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { parse } from "yaml";
import { MARKER } from "../scripts/preview/comment";

const ROOT = path.join(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const VALIDATOR = path.join(ROOT, "node_modules", "@action-validator", "cli", "cli.mjs");

function validate(file: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [VALIDATOR, file], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const workflowFiles = fs.existsSync(WORKFLOWS)
  ? fs
      .readdirSync(WORKFLOWS)
      .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
      .sort()
  : [];

describe("GitHub Actions workflows", () => {
  it("include the pull-request preview workflow", () => {
    expect(workflowFiles).toContain("preview.yml");
  });

  it.each(workflowFiles)("%s passes the action-validator workflow schema", (file) => {
    const r = validate(path.join(WORKFLOWS, file));
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("the validator rejects a workflow with a misspelt key, so a broken workflow fails this test", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflows-"));
    try {
      const broken = path.join(dir, "broken.yml");
      fs.writeFileSync(
        broken,
        ["name: broken", "on: pull_request", "jobs:", "  build:", "    runs-on: ubuntu-latest", "    step:", "      - run: echo hi", ""].join("\n"),
      );
      const r = validate(broken);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain("Additional property 'step' is not allowed");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the preview workflow", () => {
  type Step = { name?: string; uses?: string; if?: string; run?: string; with?: Record<string, unknown> };
  type Job = { permissions?: Record<string, string>; steps: Step[]; needs?: string; if?: string };
  const text = fs.readFileSync(path.join(WORKFLOWS, "preview.yml"), "utf8");
  const wf = parse(text) as { on: Record<string, unknown>; jobs: Record<string, Job> };

  it("runs on pull_request only, never pull_request_target with the pull request's code", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
  });

  it("renders without secrets and updates the comment that carries the script's marker", () => {
    const job = wf.jobs["rendered-diff"];
    expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(JSON.stringify(job)).not.toContain("secrets.");
    const post = job.steps.find((s) => s.uses?.startsWith("actions/github-script@"));
    expect(String(post?.with?.script)).toContain(`'${MARKER}'`);
    expect(post?.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    const base = job.steps.find((s) => s.with?.ref === "${{ github.event.pull_request.base.sha }}");
    expect(base?.with?.path).toBe("base");
  });

  it("previews each stack with the Pulumi action only when the backend secrets are set", () => {
    const gate = wf.jobs["pulumi-preview-stacks"];
    expect(gate.steps[0].run).toContain("skipped: secrets not set");
    const job = wf.jobs["pulumi-preview"];
    expect(job.needs).toBe("pulumi-preview-stacks");
    expect(job.if).toContain("needs.pulumi-preview-stacks.outputs.enabled == 'true'");
    const preview = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(preview?.with).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      diff: true,
      "comment-on-pr": true,
      "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
    });
  });
});
