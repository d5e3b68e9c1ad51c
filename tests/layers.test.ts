/**
 * The layers of the program stay apart, and their direction is the one the README draws:
 *
 *   settings/  <-  shared/  <-  services/, grafana/  <-  stack.ts, urls.ts  <-  components/resources
 *
 * - `components/plan/` imports nothing from Pulumi, so `npm run render` runs without it;
 * - settings depend on nothing else of the plan; services and Grafana's content depend on
 *   settings and the shared pieces, never on each other; only the stack plan sees them all;
 * - no file of the plan reaches itself again through its imports (no circle);
 * - each service is handed its slice of the settings, so a setting outside it cannot change it.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseSettings, Settings, SETTING_KEYS, sliceOf } from "../components/plan/settings";
import { GRAFANA_SETTING_KEYS } from "../components/plan/services/grafana";
import { LOKI_SETTING_KEYS, LokiSettings } from "../components/plan/services/loki";
import { ALLOY_SETTING_KEYS } from "../components/plan/services/alloy";
import { API_CONTAINER_SETTING_KEYS } from "../components/plan/services/apis";
import { PROVISIONING_SETTING_KEYS } from "../components/plan/grafana/provisioning";
import { stackPlan } from "../components/plan/stack";
import { configOf, productionConfig } from "./helpers/settings";

const ROOT = path.join(__dirname, "..");
const PLAN = "components/plan";

/** Every module a source text imports or re-exports from, as written; multi-line and type-only imports included. */
function importsIn(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)";|^import\s+"([^"]+)";/gm)].map((match) => match[1] ?? match[2]);
}

/** Every module a project file imports or re-exports from. */
function importsOf(file: string): string[] {
  return importsIn(fs.readFileSync(path.join(ROOT, file), "utf8"));
}

/** The `.ts` files under a folder, relative to the project, sorted. */
function filesUnder(folder: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => `${folder}/${name}`)
    .sort();
}

/** The project file a relative import names, or undefined for a package. */
function resolveImport(from: string, source: string): string | undefined {
  if (!source.startsWith(".")) return undefined;
  const base = path.relative(ROOT, path.resolve(ROOT, path.dirname(from), source));
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => fs.existsSync(path.join(ROOT, candidate)));
}

/** The plan's own import graph: each file and the plan files it imports. */
function planGraph(): Record<string, string[]> {
  return Object.fromEntries(
    filesUnder(PLAN).map((file) => [
      file,
      importsOf(file)
        .map((source) => resolveImport(file, source))
        .filter((target): target is string => target !== undefined),
    ]),
  );
}

/** Every circle of a graph, each as the path that closes it (`a -> b -> a`). */
function circles(graph: Record<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (node: string, trail: string[]): void => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "open") {
      found.push([...trail.slice(trail.indexOf(node)), node].join(" -> "));
      return;
    }
    state.set(node, "open");
    for (const next of graph[node] ?? []) visit(next, [...trail, node]);
    state.set(node, "done");
  };
  Object.keys(graph).sort().forEach((node) => visit(node, []));
  return found;
}

/** The layer a plan file belongs to: its folder, or `stack` for the files at the top. */
function layerOf(file: string): string {
  const inside = path.relative(PLAN, file).split(path.sep);
  return inside.length === 1 ? "stack" : inside[0];
}

/** Which layers each layer may import. */
const MAY_IMPORT: Record<string, string[]> = {
  settings: ["settings"],
  shared: ["settings", "shared"],
  services: ["settings", "shared", "services"],
  grafana: ["settings", "shared", "grafana"],
  stack: ["settings", "shared", "services", "grafana", "stack"],
};

describe("the plan layer", () => {
  it.each(filesUnder(PLAN))("%s imports nothing from Pulumi or from the resources layer", (file) => {
    expect(importsOf(file).filter((source) => source.startsWith("@pulumi/") || source.includes("resources"))).toEqual([]);
  });

  it("npm run render loads no @pulumi module at all", () => {
    const script = [
      "require('ts-node').register({ transpileOnly: true });",
      "require('./scripts/render');",
      "const loaded = Object.keys(require.cache);",
      "console.log(JSON.stringify({ pulumi: loaded.filter((f) => f.includes('/node_modules/@pulumi/')).length, total: loaded.length }));",
    ].join("\n");
    const counts = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }));
    expect(counts.pulumi).toBe(0);
  });

  it("has only the folders the README names, and each file in one of them or at the top", () => {
    expect(new Set(filesUnder(PLAN).map(layerOf))).toEqual(new Set(Object.keys(MAY_IMPORT)));
  });
});

describe("the direction of the plan's imports", () => {
  it.each(filesUnder(PLAN))("%s imports only from the layers below it", (file) => {
    const allowed = MAY_IMPORT[layerOf(file)];
    const wrong = (planGraph()[file] ?? []).filter((target) => !allowed.includes(layerOf(target)));
    expect({ file, wrong }).toEqual({ file, wrong: [] });
  });

  it("has no circle", () => {
    expect(circles(planGraph())).toEqual([]);
  });

  it("would see a circle, also one through a type-only or multi-line import", () => {
    expect(circles({ a: ["b"], b: ["c"], c: ["a"], d: ["a"] })).toEqual(["a -> b -> c -> a"]);
    expect(circles({ a: ["b"], b: [] })).toEqual([]);
    const written = 'import type { A } from "./a";\nimport {\n  B,\n  C,\n} from "../shared/b";\nexport { D } from "./d";\n';
    expect(importsIn(written)).toEqual(["./a", "../shared/b", "./d"]);
  });

  it("keeps sibling services apart: a service imports only its own pieces (Alloy its redaction stages)", () => {
    const services = filesUnder(`${PLAN}/services`);
    const ownPieces: Record<string, string[]> = { [`${PLAN}/services/alloy.ts`]: [`${PLAN}/services/alloy-redaction.ts`] };
    for (const file of services) {
      const siblings = (planGraph()[file] ?? []).filter((target) => layerOf(target) === "services");
      expect({ file, siblings }).toEqual({ file, siblings: ownPieces[file] ?? [] });
    }
  });

  it("keeps the resources layer's services apart too", () => {
    const services = ["loki", "alloy", "grafana", "apis"];
    for (const service of services) {
      const siblings = services.filter((other) => other !== service).map((other) => `./${other}`);
      const file = `components/resources/${service}.ts`;
      if (fs.existsSync(path.join(ROOT, file))) {
        expect({ file, imports: importsOf(file).filter((source) => siblings.includes(source)) }).toEqual({ file, imports: [] });
      }
    }
  });
});

describe("the dashboard", () => {
  it("keeps its LogQL in a module that imports nothing, so queries change without the panel layout", () => {
    expect(importsOf(`${PLAN}/grafana/dashboard-queries.ts`)).toEqual([]);
  });

  it("is the one file that builds with the Foundation SDK", () => {
    const users = [...filesUnder(PLAN), ...filesUnder("components/resources")].filter((file) =>
      importsOf(file).some((source) => source.startsWith("@grafana/grafana-foundation-sdk/")),
    );
    expect(users).toEqual([`${PLAN}/grafana/dashboard.ts`]);
  });
});

describe("slices of the settings", () => {
  const SLICES: Record<string, readonly string[]> = {
    loki: LOKI_SETTING_KEYS,
    alloy: ALLOY_SETTING_KEYS,
    grafana: GRAFANA_SETTING_KEYS,
    "grafana provisioning": PROVISIONING_SETTING_KEYS,
    apis: API_CONTAINER_SETTING_KEYS,
  };
  const dev = (changes: Record<string, string> = {}): Settings => parseSettings(configOf(changes), "dev");

  it.each(Object.entries(SLICES))("the %s slice names only settings that exist, each once", (_name, keys) => {
    expect(keys.filter((key) => !(SETTING_KEYS as string[]).includes(key))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("sliceOf hands out exactly the keys asked for", () => {
    const settings = dev();
    expect(Object.keys(sliceOf(settings, LOKI_SETTING_KEYS))).toEqual([...LOKI_SETTING_KEYS]);
    expect(sliceOf(settings, LOKI_SETTING_KEYS)).not.toHaveProperty("alertErrorPercent");
  });

  it("every setting reaches some container: none is read by nothing", () => {
    const used = new Set(Object.values(SLICES).flat());
    // Read by the stack plan itself (the API list, the site name) or by the program around it.
    const elsewhere = ["environment", "grafanaAdminPassword", "dockerHost"];
    expect(SETTING_KEYS.filter((key) => !used.has(key) && !elsewhere.includes(key))).toEqual([]);
  });

  it("no alert setting is in the slice of Loki, Alloy or the APIs", () => {
    for (const keys of [LOKI_SETTING_KEYS, ALLOY_SETTING_KEYS, API_CONTAINER_SETTING_KEYS, GRAFANA_SETTING_KEYS]) {
      expect((keys as readonly string[]).filter((key) => key.startsWith("alert"))).toEqual([]);
    }
  });

  it.each([
    ["alertErrorPercent", "40"],
    ["alertSlowMs", "900"],
    ["alertSilentAfter", "1h"],
    ["alertMinRequests", "5"],
  ])("a change of %s to %s changes Grafana's alert rules and leaves Loki, Alloy and the APIs as they were", (key, value) => {
    const before = stackPlan(dev());
    const after = stackPlan(dev({ [key]: value }));
    expect(after.loki).toEqual(before.loki);
    expect(after.alloy).toEqual(before.alloy);
    expect(after.apis).toEqual(before.apis);
    const rules = (plan: typeof before) => plan.grafana.uploads.find((upload) => upload.file.endsWith("alerting/rules.yml"))?.content;
    expect(rules(after)).not.toEqual(rules(before));
  });

  it("in production too, an alert threshold leaves Loki's container byte for byte", () => {
    const before = stackPlan(parseSettings(productionConfig(), "prod"));
    const after = stackPlan(parseSettings(productionConfig({ alertErrorPercent: "50" }), "prod"));
    expect(JSON.stringify(after.loki)).toBe(JSON.stringify(before.loki));
  });

  it("is checked by the type checker: Loki's slice has no alert threshold to read", () => {
    const loki: LokiSettings = sliceOf(dev(), LOKI_SETTING_KEYS);
    // @ts-expect-error alert thresholds are not part of Loki's settings, so Loki's plan cannot read them
    expect(loki.alertErrorPercent).toBeUndefined();
    expect(loki.retentionPeriod).toBe("720h");
  });
});
