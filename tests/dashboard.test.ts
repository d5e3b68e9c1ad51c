import * as fs from "fs";
import * as path from "path";
import { renderAlloyConfig } from "../components/plan/services/alloy";
import { DASHBOARD_DATASOURCE, panelQueries, renderTrustApisDashboard } from "../components/plan/grafana/dashboard";
import { ZERO_EVERY_STEP } from "../components/plan/grafana/dashboard-queries";
import { parseSettings } from "../components/plan/settings";
import { LOKI_DATASOURCE_UID } from "../components/plan/shared/names";
import { sortKeys } from "../components/plan/shared/spec";
import schema from "../contract/log-line.schema.json";
import { contractFieldsMarked } from "../scripts/proof/contract-lines";
import { configOf } from "./helpers/settings";
import { alloyBlock, analyseQuery, GrafanaVariable, interpolate, labelsSetByAlloy, structuredMetadataSetByAlloy, VariableSelection } from "./helpers/logql";

const DEFAULT_APIS = ["trust-api", "data-access-api", "imaging-api"];
const rendered = renderTrustApisDashboard(DEFAULT_APIS);
const dashboard = JSON.parse(rendered);
const variables: GrafanaVariable[] = dashboard.templating.list;
const queries = panelQueries(rendered);

const alloyConfig = renderAlloyConfig(parseSettings(configOf({}), "dev"));
const alloyLabels = new Set(labelsSetByAlloy(alloyConfig));
const alloyMetadata = new Set(structuredMetadataSetByAlloy(alloyConfig));
const contractFields = new Set(Object.keys(schema.properties));
// Labels Loki itself adds to a line that failed a stage.
const LOKI_ERROR_LABELS = new Set(["__error__", "__error_details__"]);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  interval?: string;
  targets?: Array<{ refId: string; datasource?: { type: string; uid: string }; legendFormat?: string; queryType?: string; expr: string; panelId?: number }>;
  fieldConfig?: { defaults: { unit?: string } };
  transformations?: Array<{ id: string; options: Record<string, unknown> }>;
  options?: { sortBy?: Array<{ displayName: string; desc: boolean }>; reduceOptions?: { calcs: string[] } };
}
const panels: Panel[] = dashboard.panels;
const LOKI = { type: "loki", uid: LOKI_DATASOURCE_UID };
// Analyses a panel query as Grafana would send it with every API selected.
const analyse = (expr: string) => {
  const analysis = analyseQuery(interpolate(expr, variables, { api: "All", level: "All" }), alloyLabels);
  expect(analysis.syntaxErrors).toEqual([]);
  return analysis;
};
const panel = (title: RegExp): Panel => {
  const found = panels.filter((p) => title.test(p.title));
  expect(found).toHaveLength(1);
  return found[0];
};

const SELECTIONS: Array<[string, VariableSelection]> = [
  ["All APIs and levels", { api: "All", level: "All" }],
  ["one API and one level", { api: ["imaging-api"], level: ["ERROR"] }],
  ["two APIs and two levels", { api: ["trust-api", "data-access-api"], level: ["INFO", "WARNING"] }],
];
const cases = SELECTIONS.flatMap(([selection, values]) =>
  queries.map((q) => ({ name: `${q.panelTitle} ${q.refId} with ${selection}`, expr: interpolate(q.expr, variables, values) })),
);

describe("Trust APIs dashboard queries", () => {
  it.each(cases)("$name parses with the official LogQL grammar and Loki would accept it", ({ expr }) => {
    const analysis = analyseQuery(expr, alloyLabels);
    expect({ expr, errors: analysis.syntaxErrors, rejections: analysis.lokiRejections }).toEqual({ expr, errors: [], rejections: [] });
  });

  it.each(cases)("$name is cheap: labels in the selector, named fields, parse errors guarded", ({ expr }) => {
    expect(analyseQuery(expr, alloyLabels).costProblems).toEqual([]);
  });

  it.each(queries.map((q) => ({ name: `${q.panelTitle} ${q.refId}`, expr: interpolate(q.expr, variables, { api: "All", level: "All" }) })))(
    "$name uses only stream labels and structured metadata that Alloy sets and fields that the log contract defines",
    ({ expr }) => {
      const analysis = analyseQuery(expr, alloyLabels);
      const extracted = analysis.extractions.map((e) => e.label);
      for (const e of analysis.extractions) expect(contractFields).toContain(e.expression);
      for (const label of analysis.selectors.flat().map((m) => m.label)) expect(alloyLabels).toContain(label);
      for (const label of [...analysis.labelFilters, ...analysis.groupings, ...analysis.unwraps]) {
        const known = LOKI_ERROR_LABELS.has(label) || alloyLabels.has(label) || alloyMetadata.has(label) || (extracted.includes(label) && contractFields.has(label));
        expect({ label, known }).toEqual({ label, known: true });
      }
      for (const label of analysis.unwraps) expect([...extracted, ...alloyMetadata]).toContain(label);
    },
  );

  it("runs every stat with a Loki query of its own, p95 aside, over the whole time range as an instant query, so Loki evaluates it once", () => {
    for (const p of panels.filter((p) => p.type === "stat" && p.datasource?.uid === LOKI.uid && !/^p95/.test(p.title))) {
      for (const t of p.targets ?? []) {
        expect({ title: p.title, queryType: t.queryType, range: /\[\$__range\]/.test(t.expr) }).toEqual({ title: p.title, queryType: "instant", range: true });
      }
    }
  });

  it("runs the p95 stat per minute as a range query and averages it, so Loki caches each minute instead of recomputing the whole range", () => {
    const p = panel(/^p95 latency/);
    expect(p.interval).toBe("1m");
    expect(p.options?.reduceOptions?.calcs).toEqual(["mean"]);
    expect(p.targets).toHaveLength(1);
    expect(p.targets![0]).toMatchObject({ queryType: "range" });
    expect(p.targets![0].expr).toMatch(/\[\$__interval\]\) by \(\)$/);
  });

  it("never parses a line in the request rate and error line queries, nor in the ones Request rate, Active APIs and Status codes reuse", () => {
    const plain = [...panel(/^Request rate by API/).targets!, panel(/^Errors/).targets![0], panel(/^Error rate by API/).targets![0]];
    for (const t of plain) expect(analyse(t.expr).extractions.length + analyse(t.expr).bareParsers.length).toBe(0);
  });

  it.each([
    ["Request rate by API", /^Request rate by API/, "reqps"],
    ["Status codes", /^Status codes/, "reqps"],
    ["Error rate by API", /^Error rate by API/, "suffix:/s"],
  ])("%s is per second: it uses rate() and a per-second unit", (_name, title, unit) => {
    const p = panel(title);
    expect(p.fieldConfig?.defaults.unit).toBe(unit);
    // A panel that reuses another's data shows that panel's queries.
    const queried = p.datasource?.uid === DASHBOARD_DATASOURCE.uid ? panels.find((q) => q.id === p.targets![0].panelId)! : p;
    const exprs = (queried.targets ?? []).map((t) => t.expr).filter((expr) => expr !== ZERO_EVERY_STEP);
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) expect(expr).toMatch(/\brate\(/);
    expect(p.title + (p.fieldConfig?.defaults.unit ?? "")).toMatch(/per second|rate|\/s|reqps/i);
  });

  it.each([
    ["p95 latency", /^p95 latency/],
    ["p95 request duration by API", /^p95 request duration by API/],
  ])("%s is the 95th percentile of duration_ms in milliseconds", (_name, title) => {
    const p = panel(title);
    expect(p.fieldConfig?.defaults.unit).toBe("ms");
    for (const t of p.targets ?? []) {
      expect(t.expr).toMatch(/^quantile_over_time\(0\.95,/);
      expect(analyse(t.expr).unwraps).toEqual(["duration_ms"]);
    }
  });

  it("counts ERROR and CRITICAL lines and 5xx responses separately, and says so in the title", () => {
    const p = panel(/^Errors/);
    expect(p.title).toMatch(/error lines/i);
    expect(p.title).toMatch(/5xx/);
    const [lines, responses] = (p.targets ?? []).map((t) => analyse(t.expr));
    expect(lines.selectors[0]).toContainEqual({ label: "level", op: "=~", value: "ERROR|CRITICAL" });
    expect(responses.selectors[0]).toContainEqual({ label: "event", op: "=", value: "request.completed" });
    expect(responses.selectors[0]).toContainEqual({ label: "status_class", op: "=", value: "5xx" });
  });

  it.each([
    ["Request rate", /^Request rate$/],
    ["Active APIs", /^Active APIs/],
    ["Status codes", /^Status codes/],
  ])("takes for %s the series of Request rate by API, without a query of its own", (_name, title) => {
    const p = panel(title);
    expect(p.datasource).toEqual(DASHBOARD_DATASOURCE);
    // withTransforms: false, the SDK's explicit default: the source panel's series as its queries returned them.
    expect(p.targets).toEqual([{ refId: "A", datasource: DASHBOARD_DATASOURCE, panelId: panel(/^Request rate by API/).id, withTransforms: false }]);
  });

  it("counts completed requests once, by API and status code, for Request rate by API, Status codes, Request rate and Active APIs", () => {
    const exprs = panel(/^Request rate by API/).targets!.map((t) => t.expr);
    const completed = exprs.filter((expr) => (analyse(expr).selectors[0] ?? []).some((m) => m.label === "event" && m.value === "request.completed"));
    expect(completed).toHaveLength(1);
    expect(analyse(completed[0]).groupings).toEqual(["api", "status_code"]);
    const oneApi = analyseQuery(interpolate(completed[0], variables, { api: ["imaging-api"] }));
    expect(oneApi.selectors[0]).toContainEqual({ label: "api", op: "=~", value: "imaging-api" });
    // Every query of the dashboard over completed requests that counts them by status code.
    const byStatus = queries.filter((q) => /status_code\)/.test(q.expr));
    expect(byStatus.map((q) => q.panelTitle)).toEqual(["Request rate by API"]);
  });

  it("sorts the slowest-requests table by duration_ms converted to a number, slowest first", () => {
    const p = panel(/^Slowest requests/);
    const ids = (p.transformations ?? []).map((t) => t.id);
    const conversions = (p.transformations ?? []).find((t) => t.id === "convertFieldType")!.options.conversions;
    expect(conversions).toContainEqual({ targetField: "duration_ms", destinationType: "number" });
    const sort = (p.transformations ?? []).find((t) => t.id === "sortBy")!.options.sort;
    expect(sort).toEqual([{ field: "duration_ms", desc: true }]);
    expect(ids.indexOf("convertFieldType")).toBeLessThan(ids.indexOf("sortBy"));
    expect(p.options?.sortBy).toEqual([{ displayName: "duration_ms", desc: true }]);
  });

  it("names in table transformations only fields of the log contract or Grafana's own columns", () => {
    const named = JSON.stringify(panel(/^Slowest requests/).transformations)
      .match(/"(?:targetField|field)":"([^"]+)"|"names":\[([^\]]*)\]/g)!
      .flatMap((m) => [...m.matchAll(/"([a-z_A-Z]+)"/g)].map((x) => x[1]))
      .filter((n) => !["targetField", "field", "names"].includes(n));
    const expressions = analyse(panel(/^Slowest requests/).targets![0].expr).extractions.map((e) => e.label);
    for (const name of named) {
      expect({ name, known: name === "Time" || (contractFields.has(name) && (expressions.includes(name) || alloyLabels.has(name) || alloyMetadata.has(name))) }).toEqual({ name, known: true });
    }
  });

  // Parsing a field Alloy already attached would spend the parse for nothing, and Loki would
  // name the parsed copy `<field>_extracted`.
  it.each(queries.map((q) => ({ name: `${q.panelTitle} ${q.refId}`, expr: q.expr })))("$name parses no field that Alloy attaches as structured metadata", ({ expr }) => {
    for (const e of analyse(expr).extractions) expect(alloyMetadata).not.toContain(e.label);
  });

  it("shows one legend entry per API in the by-API time series", () => {
    for (const p of panels.filter((p) => /by API/.test(p.title))) {
      for (const t of (p.targets ?? []).filter((t) => t.expr !== ZERO_EVERY_STEP)) {
        expect(t.legendFormat).toMatch(/\{\{api\}\}/);
        expect(analyse(t.expr).groupings).toContain("api");
      }
    }
  });
});

describe("Grafana variable interpolation in the tests", () => {
  it.each([
    ["All uses the variable's allValue verbatim", { api: "All" }, '{api=~".+"}'],
    ["one value stays as it is", { api: ["trust-api"] }, '{api=~"trust-api"}'],
    ["several values become an alternation", { api: ["trust-api", "imaging-api"] }, '{api=~"trust-api|imaging-api"}'],
    ["regex characters are escaped for a LogQL string", { api: ["a.b"] }, '{api=~"a\\\\.b"}'],
  ] as Array<[string, VariableSelection, string]>)("%s", (_name, selection, expected) => {
    expect(interpolate('{api=~"$api"}', variables, selection)).toBe(expected);
  });

  it("fills the interval and range variables with durations", () => {
    expect(interpolate("[$__auto] [$__interval] [${__rate_interval}] [$__range]", variables, {})).toBe("[1m] [1m] [1m] [6h]");
  });
});

describe("LogQL checks catch what the grammar accepts but Loki or this project refuses", () => {
  it.each([
    ["quantile_over_time without its quantile", 'quantile_over_time({api="a"} | json duration_ms | unwrap duration_ms [1m])'],
    ["quantile_over_time without unwrap", 'quantile_over_time(0.95, {api="a"} [1m])'],
    ["count_over_time with unwrap", 'count_over_time({api="a"} | json duration_ms | unwrap duration_ms [1m])'],
    ["bytes_rate with unwrap", 'bytes_rate({api="a"} | json duration_ms | unwrap duration_ms [1m])'],
    ["sum_over_time without unwrap", 'sum_over_time({api="a"} [1m])'],
    ["by on count_over_time", 'count_over_time({api="a"} [1m]) by (api)'],
    ["by on rate", 'rate({api="a"} [1m]) by (api)'],
    ["by on sum_over_time", 'sum_over_time({api="a"} | json duration_ms | unwrap duration_ms [1m]) by (api)'],
    ["a parameter on rate", 'rate(0.5, {api="a"} [1m])'],
    ["topk without its k", 'topk(sum by (api) (rate({api="a"} [1m])))'],
    ["sort with grouping", 'sort by (api) (sum by (api) (rate({api="a"} [1m])))'],
    ["a selector that matches the empty value", 'sum(rate({api=~".*"} [1m]))'],
    ["a selector of only negative matchers", '{api!="a"}'],
  ])("Loki refuses %s", (_name, expr) => {
    const analysis = analyseQuery(expr);
    expect(analysis.syntaxErrors).toEqual([]);
    expect(analysis.lokiRejections).not.toEqual([]);
  });

  it.each([
    ["quantile_over_time by (api)", 'quantile_over_time(0.95, {api="a"} | json duration_ms | __error__="" | unwrap duration_ms | __error__="" [1m]) by (api)'],
    ["max_over_time by (api)", 'max_over_time({api="a"} | json duration_ms | __error__="" | unwrap duration_ms | __error__="" [1m]) by (api)'],
    ["rate of unwrapped values, which Loki 3.4 allows", 'sum(rate({api="a"} | json duration_ms | __error__="" | unwrap duration_ms | __error__="" [1m]))'],
    ["sum by (api) around count_over_time", 'sum by (api) (count_over_time({api="a"} [1m]))'],
    ["an empty-compatible matcher beside a selective one", '{api=~".+", level=~".*"}'],
    ["topk with its k", 'topk(5, sum by (api) (rate({api="a"} [1m])))'],
  ])("Loki accepts %s", (_name, expr) => {
    const analysis = analyseQuery(expr);
    expect({ errors: analysis.syntaxErrors, rejections: analysis.lokiRejections, cost: analysis.costProblems }).toEqual({ errors: [], rejections: [], cost: [] });
  });

  it.each([
    ["a bare json parser", 'sum(rate({api="a"} | json | __error__="" [1m]))'],
    ["a stream label filtered after parsing", 'sum(rate({api="a"} | json | event="request.completed" | __error__="" [1m]))'],
    ["a stream label filtered without parsing", 'sum(rate({api="a"} | level="ERROR" [1m]))'],
    ["a parse without an error guard", 'sum by (s) (rate({api="a"} | json s="status_code" [1m]))'],
    ["an unwrap without an error guard after it", 'quantile_over_time(0.95, {api="a"} | json duration_ms | __error__="" | unwrap duration_ms [1m]) by (api)'],
    ["a numeric filter after the only guard", 'sum(count_over_time({api="a"} | json status_code | __error__="" | status_code >= 500 [1m]))'],
  ])("the cost check flags %s", (_name, expr) => {
    expect(analyseQuery(expr, new Set(["api", "event", "level"])).costProblems).not.toEqual([]);
  });

  it("reports a grammar error as such", () => {
    expect(analyseQuery('sum(rate({api="a"} [$__rate_interval]))').syntaxErrors).not.toEqual([]);
  });
});

describe("Structured metadata attached by the rendered Alloy config", () => {
  it("is every field the log contract marks as structured metadata, and none of them is also a label", () => {
    const marked = contractFieldsMarked("x-loki-structured-metadata").sort();
    expect([...alloyMetadata]).toEqual(marked);
    expect(marked).toEqual(["duration_ms", "status_code"]);
    for (const name of marked) expect(alloyLabels).not.toContain(name);
  });

  it("comes from fields stage.json extracts first", () => {
    const json = alloyBlock(alloyConfig, "stage.json");
    for (const name of alloyMetadata) expect(json).toMatch(new RegExp(`\\b${name}\\s+= ""`));
    expect(alloyConfig.indexOf("stage.json")).toBeLessThan(alloyConfig.indexOf("stage.structured_metadata"));
  });
});

describe("Labels set by the rendered Alloy config", () => {
  it("are the container labels, the three promoted from the line and the status class", () => {
    expect([...alloyLabels]).toEqual(["api", "container", "event", "level", "project", "service", "status_class"]);
  });

  it("take the status class from a three-digit status_code only, through a template Alloy runs before stage.labels", () => {
    const template = /stage\.template \{\s*source\s+= "status_class"\s*template\s+= "(.*)"\s*\}/.exec(alloyConfig);
    // Alloy runs this Go template with sprig's functions: 503 gives "5xx"; a missing or odd
    // status_code gives "", which removes the key, so no label is set.
    expect(template?.[1]).toBe('{{ if regexMatch \\"^[1-5][0-9][0-9]$\\" (toString .status_code) }}{{ substr 0 1 .status_code }}xx{{ end -}}');
    expect(alloyConfig.indexOf("stage.template")).toBeLessThan(alloyConfig.indexOf("stage.labels"));
  });

  it("include every field the log contract marks as a Loki label", () => {
    for (const name of contractFieldsMarked("x-loki-label")) expect(alloyLabels).toContain(name);
  });
});

describe("Dashboard layout and provisioning", () => {
  it("has every panel of SPEC section 5, each with a unique id, a title and the loki datasource or another panel's data", () => {
    expect(panels).toHaveLength(11);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.title).toBeTruthy();
      if (p.datasource?.uid === DASHBOARD_DATASOURCE.uid) {
        // A panel reusing another's data sends no query; its source must be a panel that queries Loki.
        expect(p.datasource).toEqual(DASHBOARD_DATASOURCE);
        for (const t of p.targets ?? []) expect(panels.find((q) => q.id === t.panelId)?.datasource).toEqual(LOKI);
        continue;
      }
      expect(p.datasource).toEqual(LOKI);
      for (const t of p.targets ?? []) expect(t.datasource).toEqual(LOKI);
    }
    expect(panels.map((p) => p.type).sort()).toEqual(["logs", "logs", "stat", "stat", "stat", "stat", "table", "timeseries", "timeseries", "timeseries", "timeseries"]);
  });

  it("places panels on the 24-column grid without overlaps", () => {
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(Math.min(p.gridPos.x, p.gridPos.y, p.gridPos.w - 1, p.gridPos.h - 1)).toBeGreaterThanOrEqual(0);
    }
    for (const a of panels) {
      for (const b of panels) {
        if (a.id >= b.id) continue;
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect({ a: a.title, b: b.title, overlap }).toEqual({ a: a.title, b: b.title, overlap: false });
      }
    }
  });

  it("is a provisionable dashboard: no id, a short uid, a refresh and a time range", () => {
    expect(dashboard.id).toBeNull();
    expect(dashboard.uid.length).toBeLessThanOrEqual(40);
    expect(dashboard.title).toBe("Trust APIs");
    expect(dashboard.refresh).toMatch(/^\d+[smh]$/);
    expect(dashboard.time).toEqual({ from: "now-6h", to: "now" });
  });

  it("says schema version 40, the newest that the Grafana 11.5 image knows, not the SDK's 41", () => {
    expect(dashboard.schemaVersion).toBe(40);
  });

  it("lets the api dropdown pick any of several APIs, with All matching every non-empty name", () => {
    const api = variables.find((v) => v.name === "api")!;
    expect(api).toMatchObject({ type: "custom", multi: true, includeAll: true, allValue: ".+", query: DEFAULT_APIS.join(",") });
    for (const q of queries) {
      // Every query that reads lines; the zero series reads none.
      if (q.expr.includes("{")) expect(q.expr).toMatch(/\{api=~"\$api"/);
    }
  });

  it("puts a fourth API of the stack in the dropdown, with All selected", () => {
    const fourApis = JSON.parse(renderTrustApisDashboard([...DEFAULT_APIS, "genomics-api"]));
    const api = fourApis.templating.list.find((v: GrafanaVariable) => v.name === "api");
    expect(api.query).toBe("trust-api,data-access-api,imaging-api,genomics-api");
    expect(api.options.map((o: { value: string }) => o.value)).toEqual(["$__all", ...DEFAULT_APIS, "genomics-api"]);
    expect(api.current).toEqual({ selected: true, text: ["All"], value: ["$__all"] });
  });

  it("renders the same bytes for the same APIs", () => {
    expect(renderTrustApisDashboard(DEFAULT_APIS)).toBe(rendered);
    expect(rendered.endsWith("}\n")).toBe(true);
  });

  it("writes every object's keys in sorted order, as Grafana exports a dashboard, whatever order the builders set them in", () => {
    expect(rendered).toBe(JSON.stringify(sortKeys(dashboard), null, 2) + "\n");
  });

  it("ships no hand-written dashboard file: the dashboard is built in code", () => {
    const folder = path.join(__dirname, "..", "config-files", "grafana", "provisioning", "dashboards");
    expect(fs.readdirSync(folder).filter((name) => name.endsWith(".json"))).toEqual([]);
  });

  it.each([
    ["no API at all", [], "`apis` must list at least one API"],
    ["a name with a comma", ["trust-api,evil"], '`apis` has the name "trust-api,evil"'],
    ["a name in capitals", ["Trust-API"], '`apis` has the name "Trust-API"'],
  ])("refuses %s", (_name, names, message) => {
    expect(() => renderTrustApisDashboard(names)).toThrow(message);
  });
});
