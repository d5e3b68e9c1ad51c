/**
 * The pull-request "rendered diff" comment (scripts/preview/) and the script that
 * renders every stack for it (scripts/render-all.sh).
 *
 * Fixtures: tests/fixtures/preview/base holds the render output of two stacks (dev, prod);
 * tests/fixtures/preview/retention is the same with prod's Loki retention raised from 720h to
 * 2160h (loki-config.yml and the sha256 of that upload in containers.json). Other cases are built
 * from copies of base in a temp folder.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { main } from "../scripts/preview/cli";
import { MARKER, formatComment } from "../scripts/preview/comment";
import { RENDER_FAILED_FILE, RENDER_UNAVAILABLE_FILE, diffStacks } from "../scripts/preview/compare";
import { Container, classifyContainers } from "../scripts/preview/containers";
import { MAX_EDIT_LENGTH, unifiedDiff } from "../scripts/preview/unified-diff";

const FIXTURES = path.join(__dirname, "fixtures", "preview");
const BASE = path.join(FIXTURES, "base");
const RETENTION = path.join(FIXTURES, "retention");
const RENDER_ALL = path.join(__dirname, "..", "scripts", "render-all.sh");

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "preview-comment-"));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A copy of the base fixture to modify. */
function copyOfBase(name = "head"): string {
  const dir = path.join(tmp, name);
  fs.cpSync(BASE, dir, { recursive: true });
  return dir;
}

function readContainers(file: string): Container[] {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Container[];
}

function writeContainers(file: string, containers: Container[]): void {
  fs.writeFileSync(file, JSON.stringify(containers, null, 2) + "\n");
}

describe("unifiedDiff", () => {
  it("shows a changed line with three lines of context in diff -u format", () => {
    expect(unifiedDiff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nD\ne\nf\ng\nh\n", "a/x", "b/x")).toBe(
      ["--- a/x", "+++ b/x", "@@ -1,7 +1,7 @@", " a", " b", " c", "-d", "+D", " e", " f", " g", ""].join("\n"),
    );
  });

  it("puts changes far apart into separate hunks", () => {
    const before = Array.from({ length: 20 }, (_, i) => `${i + 1}`).join("\n") + "\n";
    const after = before.replace(/^2$/m, "two").replace(/^18$/m, "eighteen");
    expect(unifiedDiff(before, after, "a/n", "b/n")).toBe(
      [
        "--- a/n",
        "+++ b/n",
        "@@ -1,5 +1,5 @@",
        " 1",
        "-2",
        "+two",
        " 3",
        " 4",
        " 5",
        "@@ -15,6 +15,6 @@",
        " 15",
        " 16",
        " 17",
        "-18",
        "+eighteen",
        " 19",
        " 20",
        "",
      ].join("\n"),
    );
  });

  it("marks a missing newline at the end of the file", () => {
    expect(unifiedDiff("x", "x\n", "a/f", "b/f")).toBe(
      ["--- a/f", "+++ b/f", "@@ -1 +1 @@", "-x", "\\ No newline at end of file", "+x", ""].join("\n"),
    );
  });

  it("shows a new file as all additions from an empty range", () => {
    expect(unifiedDiff("", "a\nb\n", "/dev/null", "b/f")).toBe(
      ["--- /dev/null", "+++ b/f", "@@ -0,0 +1,2 @@", "+a", "+b", ""].join("\n"),
    );
  });

  it("shows a change too large to search as every old line removed, then every new line added", () => {
    // 1,001 lines replaced by 1,001 others: 2,002 edits, more than MAX_EDIT_LENGTH. The shared
    // first line would be context in a searched diff; here it is removed and added like the rest.
    const before = ["shared", ...Array.from({ length: 1_001 }, (_, i) => `old ${i}`)];
    const after = ["shared", ...Array.from({ length: 1_001 }, (_, i) => `new ${i}`)];
    expect(MAX_EDIT_LENGTH).toBeLessThan(2_002);
    expect(unifiedDiff(before.join("\n") + "\n", after.join("\n") + "\n", "a/f", "b/f")).toBe(
      ["--- a/f", "+++ b/f", "@@ -1,1002 +1,1002 @@", ...before.map((l) => `-${l}`), ...after.map((l) => `+${l}`), ""].join("\n"),
    );
  });

  it("returns an empty string for equal texts", () => {
    expect(unifiedDiff("same\n", "same\n", "a", "b")).toBe("");
  });

  it("produces the shortest diff that turns the old text into the new one", () => {
    // Deterministic pseudo-random texts; applying the hunks must give back the new text.
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const text = (): string => {
      const lines = Array.from({ length: Math.floor(rnd() * 25) }, () => "abcde"[Math.floor(rnd() * 5)]);
      return lines.length ? lines.join("\n") + "\n" : "";
    };
    for (let t = 0; t < 200; t++) {
      const before = text();
      const after = text();
      const diff = unifiedDiff(before, after, "a", "b");
      expect(applyUnifiedDiff(before, diff)).toBe(after);
    }
  });
});

/** Applies a diff produced by unifiedDiff (files ending in a newline only). */
function applyUnifiedDiff(before: string, diff: string): string {
  if (diff === "") return before;
  const old = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const result: string[] = [];
  let pos = 0;
  const lines = diff.replace(/\n$/, "").split("\n").slice(2);
  for (const line of lines) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (header) {
      const count = header[2] === undefined ? 1 : Number(header[2]);
      const start = count === 0 ? Number(header[1]) : Number(header[1]) - 1;
      while (pos < start) result.push(old[pos++]);
    } else if (line.startsWith(" ")) {
      if (old[pos] !== line.slice(1)) throw new Error(`context mismatch at ${pos}`);
      result.push(old[pos++]);
    } else if (line.startsWith("-")) {
      if (old[pos] !== line.slice(1)) throw new Error(`deletion mismatch at ${pos}`);
      pos++;
    } else if (line.startsWith("+")) {
      result.push(line.slice(1));
    }
  }
  while (pos < old.length) result.push(old[pos++]);
  return result.length ? result.join("\n") + "\n" : "";
}

describe("classifyContainers", () => {
  const loki: Container = {
    name: "prod-loki",
    image: "grafana/loki:3.4.0",
    restart: "always",
    stopGracePeriodSeconds: 60,
    labels: { "org.flip.project": "prod", "org.flip.service": "loki" },
    uploads: [{ file: "loki/loki-config.yml", path: "/etc/loki/loki-config.yml", sha256: "aa" }],
  };

  it("lists a container whose uploaded file content changed as replaced", () => {
    const changed = { ...loki, uploads: [{ file: "loki/loki-config.yml", path: "/etc/loki/loki-config.yml", sha256: "bb" }] };
    expect(classifyContainers([loki], [changed])).toEqual({
      replaced: [{ name: "prod-loki", changedKeys: ["uploads"] }],
      updated: [],
      created: [],
      deleted: [],
    });
  });

  it("treats a change of restart policy or stop grace period alone as an in-place update", () => {
    const changed = { ...loki, restart: "unless-stopped", stopGracePeriodSeconds: 90 };
    expect(classifyContainers([loki], [changed])).toEqual({
      replaced: [],
      updated: [{ name: "prod-loki", changedKeys: ["restart", "stopGracePeriodSeconds"] }],
      created: [],
      deleted: [],
    });
  });

  it("treats a change of restart policy together with the image as a replacement", () => {
    const changed = { ...loki, restart: "unless-stopped", image: "grafana/loki:3.5.0" };
    expect(classifyContainers([loki], [changed]).replaced).toEqual([
      { name: "prod-loki", changedKeys: ["image", "restart"] },
    ]);
  });

  it("treats a change of log driver, capabilities or an unknown key as a replacement", () => {
    for (const change of [
      { logDriver: { name: "local" } },
      { capabilities: { drop: ["ALL"] } },
      { someFutureKey: true },
    ]) {
      expect(classifyContainers([loki], [{ ...loki, ...change }]).replaced.map((c) => c.name)).toEqual([
        "prod-loki",
      ]);
    }
  });

  it("ignores the order of object keys", () => {
    const reordered = {
      uploads: loki.uploads,
      labels: { "org.flip.service": "loki", "org.flip.project": "prod" },
      stopGracePeriodSeconds: 60,
      restart: "always",
      image: "grafana/loki:3.4.0",
      name: "prod-loki",
    };
    expect(classifyContainers([loki], [reordered])).toEqual({ replaced: [], updated: [], created: [], deleted: [] });
  });

  it("matches containers by name and reports the others as created or deleted", () => {
    const grafana: Container = { name: "prod-grafana", image: "grafana/grafana:11.5.0" };
    const alloy: Container = { name: "prod-alloy", image: "grafana/alloy:v1.9.0" };
    expect(classifyContainers([grafana, loki], [alloy, loki])).toEqual({
      replaced: [],
      updated: [],
      created: [{ name: "prod-alloy", changedKeys: [] }],
      deleted: [{ name: "prod-grafana", changedKeys: [] }],
    });
  });
});

describe("the rendered-diff comment", () => {
  it("lists only the Loki container as replaced when only the Loki retention changes", () => {
    const diffs = diffStacks(BASE, RETENTION);
    const prod = diffs.find((d) => d.stack === "prod");
    expect(prod?.containers).toEqual({
      replaced: [{ name: "prod-loki", changedKeys: ["uploads"] }],
      updated: [],
      created: [],
      deleted: [],
    });
    expect(prod?.files.map((f) => f.file)).toEqual(["containers.json", "loki/loki-config.yml"]);
    expect(diffs.find((d) => d.stack === "dev")?.status).toBe("unchanged");

    const body = formatComment(diffs);
    expect(body.startsWith(`${MARKER}\n`)).toBe(true);
    expect(body).toContain("- **dev**: no changes\n");
    expect(body).toContain("- **prod**: replaced: prod-loki; updated: none; created: none; deleted: none\n");
    expect(body).toContain("\n-  retention_period: 720h\n+  retention_period: 2160h\n");
    expect(body).not.toMatch(/prod-(alloy|grafana)/);
    expect(body).not.toContain("dev-");
    // The whole body, as posted on the pull request.
    expect(body).toBe(fs.readFileSync(path.join(FIXTURES, "retention.expected.md"), "utf8"));
  });

  it("says there are no changes when both sides render identically", () => {
    const body = formatComment(diffStacks(BASE, BASE));
    expect(body).toContain("**No changes** to any stack.");
    expect(body).toContain("- **dev**: no changes\n- **prod**: no changes\n");
    expect(body).not.toContain("<details>");
    expect(body).not.toContain("replaced");
  });

  it("shows a stack that exists only in the pull request as added, with its containers as created", () => {
    const head = copyOfBase();
    fs.cpSync(path.join(head, "prod"), path.join(head, "leeds"), { recursive: true });
    const file = path.join(head, "leeds", "containers.json");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/prod-/g, "leeds-"));

    const body = formatComment(diffStacks(BASE, head));
    expect(body).toContain("- **leeds**: added (new stack); created: leeds-alloy, leeds-grafana, leeds-loki\n");
    expect(body).toContain("- **dev**: no changes\n");
    expect(body).toContain("- **prod**: no changes\n");
    expect(body).toContain("+++ b/leeds/loki/loki-config.yml");
    expect(body).not.toContain("**No changes**");
  });

  it("shows a stack that exists only on the base as removed, with its containers as deleted", () => {
    const head = copyOfBase();
    fs.rmSync(path.join(head, "dev"), { recursive: true });
    const body = formatComment(diffStacks(BASE, head));
    expect(body).toContain("- **dev**: removed (stack deleted); deleted: dev-alloy, dev-grafana, dev-loki\n");
    expect(body).toContain("- `loki/loki-config.yml` removed");
  });

  it("lists a container whose restart policy alone changes as updated, not replaced", () => {
    const head = copyOfBase();
    const file = path.join(head, "prod", "containers.json");
    writeContainers(
      file,
      readContainers(file).map((c) => (c.name === "prod-loki" ? { ...c, restart: "unless-stopped" } : c)),
    );
    const body = formatComment(diffStacks(BASE, head));
    expect(body).toContain("- **prod**: replaced: none; updated: prod-loki; created: none; deleted: none\n");
    expect(body).toContain("- `prod-loki`: updated in place (changed: restart)");
    expect(body).toContain('-    "restart": "always",\n+    "restart": "unless-stopped",\n');
  });

  it("reports a stack whose render failed, with the end of the render output", () => {
    const head = copyOfBase();
    fs.rmSync(path.join(head, "prod"), { recursive: true });
    fs.mkdirSync(path.join(head, "prod"));
    fs.writeFileSync(path.join(head, "prod", RENDER_FAILED_FILE), "Error: missing config flip-logging:lokiPort\n");
    const body = formatComment(diffStacks(BASE, head));
    expect(body).toContain("- **prod**: :warning: render failed on head; changes unknown\n");
    expect(body).toContain("Error: missing config flip-logging:lokiPort");
  });

  it("says so when the base commit could not be rendered and every stack shows as added", () => {
    const body = formatComment(diffStacks(path.join(tmp, "empty"), BASE), { baseRenderUnavailable: true });
    expect(body).toContain("The base commit has no `npm run render`");
    expect(body).toContain("- **dev**: added (new stack)");
  });

  it("cuts long diffs with a note and stays under GitHub's comment size limit", () => {
    const head = copyOfBase();
    // 400 lines of 200 characters per file: more than the whole comment may hold.
    const big = Array.from({ length: 20_000 }, (_, i) => `"line ${i}": "${"x".repeat(200)}",`).join("\n") + "\n";
    for (const stack of ["dev", "prod"]) {
      fs.writeFileSync(path.join(head, stack, "grafana", "provisioning", "dashboards", "big.json"), big);
    }
    const body = formatComment(diffStacks(BASE, head));
    expect(Buffer.byteLength(body, "utf8")).toBeLessThan(65_536);
    // The room is shared: both stacks show the start of their diff, neither crowds out the other.
    expect(body.match(/more lines of this diff not shown/g)?.length).toBe(2);
    expect(body).toContain("+++ b/dev/grafana/provisioning/dashboards/big.json\n@@ -0,0 +1,20000 @@\n+\"line 0\"");
    expect(body).toContain("+++ b/prod/grafana/provisioning/dashboards/big.json\n@@ -0,0 +1,20000 @@\n+\"line 0\"");
    expect(body).toContain("Some diffs were cut to keep this comment short.");
    // Every stack keeps its summary line, whatever is cut.
    expect(body).toContain("- **dev**: replaced: none; updated: none; created: none; deleted: none\n");
    expect(body).toContain("- **prod**: replaced: none; updated: none; created: none; deleted: none\n");
    // Every opened fence and <details> is closed.
    expect(body.match(/<details>/g)?.length).toBe(body.match(/<\/details>/g)?.length);
    expect((body.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
  });

  it("uses a longer code fence when a diff itself contains backticks", () => {
    const head = copyOfBase();
    fs.appendFileSync(path.join(head, "prod", "alloy", "config.alloy"), "// ``` not a fence\n");
    const body = formatComment(diffStacks(BASE, head));
    expect(body).toContain("\n````diff\n");
    expect(body).toContain("+// ``` not a fence\n````\n");
  });

  it("writes the comment to --out and notes a base without a render command", () => {
    const base = path.join(tmp, "base");
    fs.mkdirSync(base);
    fs.writeFileSync(path.join(base, RENDER_UNAVAILABLE_FILE), "no render script\n");
    const out = path.join(tmp, "comment.md");
    expect(main(["--base", base, "--head", RETENTION, "--out", out, "--base-sha", "0123456789abcdef"])).toBe(0);
    const body = fs.readFileSync(out, "utf8");
    expect(body).toContain("Compared `0123456789ab` (base)");
    expect(body).toContain("- **prod**: added (new stack); created: prod-alloy, prod-grafana, prod-loki\n");
    expect(body).toContain("The base commit has no `npm run render`");
  });
});

describe("the comment command", () => {
  function runMain(argv: string[]): { code: number; stdout: string; stderr: string } {
    let stdout = "";
    let stderr = "";
    const out = jest.spyOn(process.stdout, "write").mockImplementation((text) => ((stdout += String(text)), true));
    const err = jest.spyOn(process.stderr, "write").mockImplementation((text) => ((stderr += String(text)), true));
    try {
      return { code: main(argv), stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it("prints the comment on stdout when no --out is given", () => {
    const r = runMain(["--base", BASE, "--head", RETENTION]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(fs.readFileSync(path.join(FIXTURES, "retention.expected.md"), "utf8"));
  });

  it.each([
    ["an unknown option", ["--base", BASE, "--head", RETENTION, "--bsae-sha", "abc"], "Unknown option '--bsae-sha'"],
    ["a missing --head", ["--base", BASE], ""],
    ["an option without its value", ["--head", RETENTION, "--base"], "argument missing"],
  ])("stops with its usage and exit code 2 on %s", (_case, argv, message) => {
    const r = runMain(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
    expect(r.stderr.endsWith("usage: scripts/preview/cli.ts --base <dir> --head <dir> [--out <file>] [--base-sha <sha>] [--head-sha <sha>]\n")).toBe(true);
  });
});

describe("render-all.sh", () => {
  /** A fake checkout whose `npm run render` writes one file, and fails for the stack "broken". */
  function fakeCheckout(stacks: string[], withRender = true): string {
    const dir = path.join(tmp, "checkout");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: flip-logging\nruntime: nodejs\n");
    for (const s of stacks) fs.writeFileSync(path.join(dir, `Pulumi.${s}.yaml`), "config: {}\n");
    const scripts = withRender ? { render: "node render.js" } : {};
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "fake", private: true, scripts }));
    fs.writeFileSync(
      path.join(dir, "render.js"),
      `const fs = require("fs"), path = require("path");
       const a = process.argv.slice(2); const stack = a[a.indexOf("--stack") + 1], out = a[a.indexOf("--out") + 1];
       if (stack === "broken") { console.error("Error: stack broken has no lokiPort"); process.exit(1); }
       fs.mkdirSync(path.join(out, "loki"), { recursive: true });
       fs.writeFileSync(path.join(out, "loki", "loki-config.yml"), "retention_period: 720h # " + stack + "\\n");`,
    );
    return dir;
  }

  function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("bash", [RENDER_ALL, ...args], { encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("lists the stacks of a checkout from its Pulumi.<stack>.yaml files, not Pulumi.yaml", () => {
    const dir = fakeCheckout(["prod", "dev", "leeds"]);
    const r = run("--list", dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("dev\nleeds\nprod\n");
  });

  it("renders every stack into its own folder and records a failed stack without stopping", () => {
    const dir = fakeCheckout(["dev", "broken", "prod"]);
    const out = path.join(tmp, "out");
    const r = run(dir, out);
    expect(r.status).toBe(1);
    expect(fs.readFileSync(path.join(out, "dev", "loki", "loki-config.yml"), "utf8")).toBe("retention_period: 720h # dev\n");
    expect(fs.existsSync(path.join(out, "prod", "loki", "loki-config.yml"))).toBe(true);
    expect(fs.readFileSync(path.join(out, "broken", RENDER_FAILED_FILE), "utf8")).toContain("stack broken has no lokiPort");
  });

  it("renders only the stack named with --stack, and nothing for a stack the checkout lacks", () => {
    const dir = fakeCheckout(["dev", "prod"]);
    const out = path.join(tmp, "out");
    expect(run("--stack", "prod", dir, out).status).toBe(0);
    expect(fs.readdirSync(out)).toEqual(["prod"]);
    const none = path.join(tmp, "none");
    expect(run("--stack", "leeds", dir, none).status).toBe(0);
    expect(fs.readdirSync(none)).toEqual([]);
  });

  it("renders nothing and leaves a marker when the checkout has no render command", () => {
    const dir = fakeCheckout(["dev"], false);
    const out = path.join(tmp, "out");
    const r = run(dir, out);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out)).toEqual([RENDER_UNAVAILABLE_FILE]);
  });
});
