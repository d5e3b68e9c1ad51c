/**
 * The dashboard's LogQL module (components/plan/grafana/dashboard-queries.ts): what each shared piece
 * writes, that what they build is LogQL Loki accepts, and the exact text of every named query.
 */
import { panelQueries, renderTrustApisDashboard } from "../components/plan/grafana/dashboard";
import * as queries from "../components/plan/grafana/dashboard-queries";
import { apiStream, EACH_STEP, jsonFields, labelFilter, logQuery, rangeAggregation, streamSelector, sum, unwrap, WHOLE_RANGE } from "../components/plan/grafana/dashboard-queries";
import { analyseQuery, GrafanaVariable, interpolate } from "./helpers/logql";

const rendered = renderTrustApisDashboard(["trust-api", "data-access-api", "imaging-api"]);
const variables: GrafanaVariable[] = JSON.parse(rendered).templating.list;
const STREAM_LABELS = new Set(["api", "container", "event", "level", "project", "service", "status_class"]);
/** What Grafana sends with every API and level selected. */
const asSent = (expr: string) => interpolate(expr, variables, { api: "All", level: "All" });

describe("the shared pieces of the dashboard's queries", () => {
  it.each([
    ["one value with =", { event: "request.completed" }, '{event="request.completed"}'],
    ["several values as one =~ alternation", { event: ["request.completed", "request.failed"] }, '{event=~"request.completed|request.failed"}'],
    ["a dashboard variable with =~, as Grafana writes a multi-value variable as a regex", { level: { variable: "level" } }, '{level=~"$level"}'],
    ["the labels in the order given", { level: "ERROR", api: "trust-api" }, '{level="ERROR", api="trust-api"}'],
  ])("a stream selector matches %s", (_name, labels, expected) => {
    expect(streamSelector(labels)).toBe(expected);
  });

  it("narrows the APIs of the api dropdown, the dropdown's matcher first", () => {
    expect(apiStream({ event: "request.completed" })).toBe('{api=~"$api", event="request.completed"}');
  });

  it.each([
    ["a filter on a label or structured metadata", labelFilter("status_code >= 500"), "| status_code >= 500"],
    ["named JSON fields, then the parse-error guard", jsonFields(["method", "path"]), '| json method, path | __error__=""'],
    ["an unwrap with its own guard", unwrap("duration_ms"), '| unwrap duration_ms | __error__=""'],
  ])("a pipeline stage writes %s", (_name, stage, expected) => {
    expect(stage).toBe(expected);
  });

  it.each([
    ["over the whole range", rangeAggregation("rate", "{a}", WHOLE_RANGE), "rate({a} [$__range])"],
    ["over each step", rangeAggregation("count_over_time", "{a}", EACH_STEP), "count_over_time({a} [$__interval])"],
    ["with a parameter and a grouping", rangeAggregation("quantile_over_time", "{a}", EACH_STEP, { parameter: 0.95, by: ["api"] }), "quantile_over_time(0.95, {a} [$__interval]) by (api)"],
    ["with an empty grouping, one series over all", rangeAggregation("quantile_over_time", "{a}", EACH_STEP, { parameter: 0.5, by: [] }), "quantile_over_time(0.5, {a} [$__interval]) by ()"],
    ["a sum over all", sum("x"), "sum(x)"],
    ["a sum by labels", sum("x", ["api", "status_code"]), "sum by (api, status_code) (x)"],
  ])("an aggregation %s", (_name, expression, expected) => {
    expect(expression).toBe(expected);
  });

  const completed = apiStream({ event: "request.completed" });
  it.each([
    ["a stream of several values", apiStream({ level: ["ERROR", "CRITICAL"] })],
    ["a stream of a variable", apiStream({ level: { variable: queries.LEVEL_VARIABLE } })],
    ["a filtered log query that parses only the lines it keeps", logQuery(completed, labelFilter("duration_ms >= 1000"), jsonFields(["method", "path"]))],
    ["a sum of rates by structured metadata", sum(rangeAggregation("rate", completed, EACH_STEP), ["status_code"])],
    ["a count over the range", sum(rangeAggregation("count_over_time", apiStream({ event: "request.completed", status_class: "5xx" }), WHOLE_RANGE))],
    ["an unwrapped quantile", rangeAggregation("quantile_over_time", logQuery(completed, unwrap("duration_ms")), EACH_STEP, { parameter: 0.99, by: ["api"] })],
  ])("builds %s that parses with the official LogQL grammar, that Loki accepts and that is cheap", (_name, expr) => {
    const analysis = analyseQuery(asSent(expr), STREAM_LABELS);
    expect({ expr, errors: analysis.syntaxErrors, rejections: analysis.lokiRejections, cost: analysis.costProblems }).toEqual({ expr, errors: [], rejections: [], cost: [] });
  });

  it("builds a query the grammar refuses when given a broken piece, so the grammar check can fail", () => {
    expect(analyseQuery(asSent(sum(rangeAggregation("rate", "{api=~", WHOLE_RANGE)))).syntaxErrors).not.toEqual([]);
  });
});

// The exact text of every query the dashboard sends. A change of query changes this table.
const NAMED_QUERIES: Array<[keyof typeof queries, string]> = [
  ["ERROR_LINE_COUNT", 'sum(count_over_time({api=~"$api", level=~"ERROR|CRITICAL"} [$__range]))'],
  [
    "RESPONSE_5XX_COUNT",
    'sum(count_over_time({api=~"$api", event="request.completed", status_class="5xx"} [$__range]))',
  ],
  [
    "P95_LATENCY",
    'quantile_over_time(0.95, {api=~"$api", event="request.completed"} | unwrap duration_ms | __error__="" [$__interval]) by ()',
  ],
  [
    "COMPLETED_RATE_BY_API_AND_STATUS",
    'sum by (api, status_code) (rate({api=~"$api", event="request.completed"} [$__interval]))',
  ],
  ["FAILED_RATE_BY_API", 'sum by (api) (rate({api=~"$api", event="request.failed"} [$__interval]))'],
  ["ZERO_EVERY_STEP", 'label_replace(label_replace(vector(0), "api", "every minute", "", ""), "status_code", "every minute", "", "")'],
  ["ERROR_LINE_RATE_BY_API", 'sum by (api) (rate({api=~"$api", level=~"ERROR|CRITICAL"} [$__interval]))'],
  [
    "RESPONSE_5XX_RATE_BY_API",
    'sum by (api) (rate({api=~"$api", event="request.completed", status_class="5xx"} [$__interval]))',
  ],
  [
    "P95_DURATION_BY_API",
    'quantile_over_time(0.95, {api=~"$api", event="request.completed"} | unwrap duration_ms | __error__="" [$__interval]) by (api)',
  ],
  [
    "SLOWEST_REQUESTS",
    '{api=~"$api", event="request.completed"} | duration_ms >= 1000 | json request_id, method, path | __error__=""',
  ],
  ["RECENT_ERRORS", '{api=~"$api", level=~"ERROR|CRITICAL"}'],
  ["ALL_LOGS", '{api=~"$api", level=~"$level"}'],
];

describe("the dashboard's named queries", () => {
  it.each(NAMED_QUERIES)("%s is written exactly as the dashboard sends it", (name, expected) => {
    expect(queries[name]).toBe(expected);
  });

  it("are the dashboard's queries, each sent once, and the dashboard sends no other", () => {
    expect(panelQueries(rendered).map((q) => q.expr)).toEqual(NAMED_QUERIES.map(([name]) => queries[name]));
  });
});
