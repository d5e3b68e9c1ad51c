import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseSettings } from "../components/plan/settings";
import { LOKI_DATASOURCE_UID } from "../components/plan/shared/names";
import { renderPlanFiles, stackPlan } from "../components/plan/stack";
import { loadStackSettings, main, renderStack } from "../scripts/render";
import { productionConfig } from "./helpers/settings";

const PROJECT = path.join(__dirname, "..");
const RENDERED_FILES = [
  "alloy/config.alloy",
  "containers.json",
  "grafana/provisioning/alerting/notifications.yml",
  "grafana/provisioning/alerting/rules.yml",
  "grafana/provisioning/dashboards/dashboards.yml",
  "grafana/provisioning/dashboards/trust-apis.json",
  "grafana/provisioning/datasources/loki.yml",
  "loki/loki-config.yml",
];

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "flip-render-"));
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

function run(argv: string[], projectDir = PROJECT): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(argv, projectDir, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

const rendered = Object.fromEntries(
  ["dev", "prod"].map((stack) => [stack, renderPlanFiles(stackPlan(loadStackSettings(stack, PROJECT)))]),
);

describe.each(["dev", "prod"])("the rendered %s stack", (stack) => {
  const files = () => rendered[stack];

  it("holds the files the containers get and containers.json", () => {
    const names = Object.keys(files()).filter((name) => !name.startsWith("demo/"));
    expect(names).toEqual(RENDERED_FILES);
  });

  it("gives Loki a config with the schema, storage and retention SPEC section 3 asks for", () => {
    const loki = YAML.parse(files()["loki/loki-config.yml"]);
    expect(loki.auth_enabled).toBe(false);
    expect(loki.common.path_prefix).toBe("/loki");
    expect(loki.common.replication_factor).toBe(1);
    expect(loki.common.ring.kvstore.store).toBe("inmemory");
    expect(loki.common.storage.filesystem.chunks_directory).toMatch(/^\/loki\//);
    expect(loki.schema_config.configs).toHaveLength(1);
    const [schema] = loki.schema_config.configs;
    expect(schema).toEqual({
      from: expect.any(String),
      store: "tsdb",
      object_store: "filesystem",
      schema: "v13",
      index: { prefix: "index_", period: "24h" },
    });
    expect(Date.parse(schema.from)).toBeLessThan(Date.parse("2026-01-01"));
    expect(loki.limits_config.retention_period).toBe("720h");
    expect(loki.compactor).toEqual({
      working_directory: "/loki/compactor",
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: "filesystem",
    });
    expect(loki.analytics).toEqual({ reporting_enabled: false });
  });

  it("provisions exactly one Loki datasource, uid LOKI_DATASOURCE_UID, proxy access, the default", () => {
    const datasources = YAML.parse(files()["grafana/provisioning/datasources/loki.yml"]);
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources).toHaveLength(1);
    const settings = loadStackSettings(stack, PROJECT);
    expect(datasources.datasources[0]).toMatchObject({
      type: "loki",
      uid: LOKI_DATASOURCE_UID,
      access: "proxy",
      url: `http://${settings.siteName}-loki:3100`,
      isDefault: true,
    });
  });

  it("points the dashboard and every alert rule at the uid of the provisioned Loki datasource", () => {
    const [datasource] = YAML.parse(files()["grafana/provisioning/datasources/loki.yml"]).datasources;
    const dashboard = JSON.stringify(JSON.parse(files()["grafana/provisioning/dashboards/trust-apis.json"]).panels);
    const dashboardLokiUids = [...dashboard.matchAll(/\{"type":"loki","uid":"([^"]*)"\}/g)].map((match) => match[1]);
    const rules = YAML.parse(files()["grafana/provisioning/alerting/rules.yml"]).groups.flatMap((group: { rules: unknown[] }) => group.rules);
    const ruleUids = rules.flatMap((rule: { data: Array<{ datasourceUid: string }> }) => rule.data.map((query) => query.datasourceUid)).filter((uid: string) => uid !== "__expr__");
    expect(dashboardLokiUids.length).toBeGreaterThan(0);
    expect(ruleUids.length).toBeGreaterThan(0);
    expect(new Set([...dashboardLokiUids, ...ruleUids])).toEqual(new Set([datasource.uid]));
  });

  it("puts the dashboards in the Observability folder, read from where they are uploaded", () => {
    const providers = YAML.parse(files()["grafana/provisioning/dashboards/dashboards.yml"]);
    expect(providers.providers).toHaveLength(1);
    expect(providers.providers[0]).toMatchObject({ folder: "Observability", type: "file" });
    const containers = JSON.parse(files()["containers.json"]);
    const grafana = containers.find((c: { service: string }) => c.service === "grafana");
    const dashboard = grafana.uploads.find((u: { file: string }) => u.file.endsWith("trust-apis.json"));
    expect(path.posix.dirname(dashboard.path)).toBe(providers.providers[0].options.path);
  });

  it("ships Alloy's logs to Loki's push endpoint on the stack network", () => {
    const settings = loadStackSettings(stack, PROJECT);
    expect(files()["alloy/config.alloy"]).toMatch(new RegExp(`url\\s+= "http://${settings.siteName}-loki:3100/loki/api/v1/push"`));
    // No placeholder of flip-logging's left; the Go template of Alloy's stage.template stays.
    expect(files()["alloy/config.alloy"]).not.toMatch(/\{\{\s*[A-Za-z][A-Za-z0-9]*\s*\}\}/);
  });

  it("describes every container with the fields an operator reviews", () => {
    const containers = JSON.parse(files()["containers.json"]);
    for (const container of containers) {
      for (const key of ["name", "image", "command", "env", "ports", "mounts", "labels", "networks", "restart", "healthcheck", "user", "uploads"]) {
        expect(container).toHaveProperty(key);
      }
      expect(Array.isArray(container.command)).toBe(true);
      for (const upload of container.uploads) {
        expect(upload.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    const grafana = containers.find((c: { service: string }) => c.service === "grafana");
    expect(grafana.env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/etc/grafana/secrets/admin-password");
    expect(grafana.secretFiles[0]).toEqual({ path: "/etc/grafana/secrets/admin-password", content: "[secret]" });
  });

  it("is byte-identical on every render", () => {
    const again = renderPlanFiles(stackPlan(loadStackSettings(stack, PROJECT)));
    expect(again).toEqual(files());
  });
});

describe("the render command", () => {
  it("writes the same bytes as the plan, and again on a second run over its own output", () => {
    const out = tempDir();
    expect(run(["--stack", "dev", "--out", out]).code).toBe(0);
    const first = filesUnder(out).map((name) => [name, fs.readFileSync(path.join(out, name), "utf8")]);
    expect(Object.fromEntries(first)).toEqual(rendered.dev);
    expect(run(["--stack", "dev", "--out", out]).code).toBe(0);
    const second = filesUnder(out).map((name) => [name, fs.readFileSync(path.join(out, name), "utf8")]);
    expect(second).toEqual(first);
  });

  it("never writes a password into a rendered file, even when it is readable", () => {
    const settings = parseSettings(productionConfig({}, "pa55word-for-a-site"), "prod");
    const out = tempDir();
    renderStack(settings, out);
    for (const name of filesUnder(out)) {
      expect(fs.readFileSync(path.join(out, name), "utf8")).not.toContain("pa55word-for-a-site");
    }
  });

  it("warns, but renders, a production stack whose password only pulumi up can check", () => {
    const result = run(["--stack", "prod", "--out", tempDir()]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("warning: `grafanaAdminPassword` is not set");
  });

  it("renders the contact point of an encrypted webhook URL it cannot read, showing it as [secret]", () => {
    const project = tempDir();
    const stack = fs.readFileSync(path.join(PROJECT, "Pulumi.prod.yaml"), "utf8");
    fs.writeFileSync(path.join(project, "Pulumi.site.yaml"), `${stack}  flip-logging:alertWebhookUrl:\n    secure: v1:bm90LXJlYWRhYmxl\n`);
    const out = path.join(project, "out");
    expect(run(["--stack", "site", "--out", out], project).code).toBe(0);
    const notifications = YAML.parse(fs.readFileSync(path.join(out, "grafana/provisioning/alerting/notifications.yml"), "utf8"));
    expect(notifications.contactPoints[0].receivers).toEqual([
      { uid: "flip-webhook", type: "webhook", settings: { httpMethod: "POST", url: "$__file{/etc/grafana/secrets/webhook-url}" }, disableResolveMessage: false },
    ]);
    const grafana = JSON.parse(fs.readFileSync(path.join(out, "containers.json"), "utf8")).find((c: { service: string }) => c.service === "grafana");
    expect(grafana.secretFiles).toContainEqual({ path: "/etc/grafana/secrets/webhook-url", content: "[secret]" });
  });

  it("fails with the validation message on a bad setting and writes nothing", () => {
    const project = tempDir();
    fs.writeFileSync(path.join(project, "Pulumi.site.yaml"), "config:\n  flip-logging:lokiPort: 99999\n");
    const out = path.join(project, "out");
    const result = run(["--stack", "site", "--out", out], project);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('invalid settings in stack `site`:\n  - `lokiPort` is "99999", but it must be an integer port from 1 to 65535\n');
    expect(fs.existsSync(out)).toBe(false);
  });

  it("names the file, line and column of a stack file that is not YAML", () => {
    const project = tempDir();
    fs.writeFileSync(path.join(project, "Pulumi.site.yaml"), "config:\n  flip-logging:apis:\n    - name: trust-api\n   image: x\n");
    const result = run(["--stack", "site", "--out", path.join(project, "out")], project);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Pulumi\.site\.yaml:4:\d+: not valid YAML: /);
  });

  it("fails clearly on a stack that has no stack file", () => {
    const result = run(["--stack", "nowhere", "--out", tempDir()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("no stack file Pulumi.nowhere.yaml for stack `nowhere`\n");
  });

  it("refuses to clear a folder that is not an earlier render", () => {
    const out = tempDir();
    fs.writeFileSync(path.join(out, "notes.txt"), "keep me");
    expect(run(["--stack", "dev", "--out", out]).stderr).toBe(`refusing to write into ${out}: it is not empty and holds no earlier render\n`);
    expect(fs.readFileSync(path.join(out, "notes.txt"), "utf8")).toBe("keep me");
  });

  it("prints its usage on missing arguments", () => {
    expect(run(["--stack", "dev"])).toMatchObject({ code: 1, stderr: "usage: npm run render -- --stack <name> --out <dir>\n" });
  });

  it.each([
    ["an unknown option", ["--stack", "dev", "--outdir", "OUT"]],
    ["a stray argument", ["--stack", "dev", "--out", "OUT", "extra"]],
    ["an option without its value", ["--out", "OUT", "--stack"]],
  ])("prints its usage on %s", (_case, argv) => {
    // A temp folder, so that a parser that accepted the arguments would not render into the project.
    const out = tempDir();
    expect(run(argv.map((a) => (a === "OUT" ? out : a)))).toMatchObject({ code: 1, stderr: "usage: npm run render -- --stack <name> --out <dir>\n" });
  });

  it("runs as `npm run render` with an exit code a script can test", () => {
    const out = tempDir();
    const ok = spawnSync("npm", ["run", "--silent", "render", "--", "--stack", "dev", "--out", out], { cwd: PROJECT, encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(filesUnder(out)).toEqual(expect.arrayContaining(RENDERED_FILES));

    const project = tempDir();
    fs.writeFileSync(path.join(project, "Pulumi.bad.yaml"), "config:\n  flip-logging:logLevel: LOUD\n");
    const bad = spawnSync(
      path.join(PROJECT, "node_modules", ".bin", "ts-node"),
      ["--transpile-only", path.join(PROJECT, "scripts", "render.ts"), "--stack", "bad", "--out", path.join(project, "out")],
      { cwd: project, encoding: "utf8" },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('`logLevel` is "LOUD", but it must be one of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`');
  });
});

describe("the demo files", () => {
  it("upload the log_config package as it is in the repository", () => {
    const demoFiles = Object.keys(rendered.dev).filter((name) => name.startsWith("demo/"));
    expect(demoFiles).toContain("demo/log_config/demo.py");
    expect(rendered.dev["demo/log_config/__init__.py"]).toBe(fs.readFileSync(path.join(PROJECT, "log_config", "__init__.py"), "utf8"));
    expect(Object.keys(rendered.prod).filter((name) => name.startsWith("demo/"))).toEqual([]);
  });
});

it("the rendered Loki config is accepted by a YAML parser with no duplicate keys", () => {
  for (const stack of ["dev", "prod"]) {
    expect(() => YAML.parse(rendered[stack]["loki/loki-config.yml"], { uniqueKeys: true, strict: true })).not.toThrow();
  }
});
