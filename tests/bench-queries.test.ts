import { renderTrustApisDashboard } from "../components/plan/grafana/dashboard";
import { ORIGINAL, shippedTargets } from "../scripts/proof/bench";
import { fillVariables, formatDuration, panelStep, rateInterval, roundInterval } from "../scripts/proof/bench/grafana-queries";

const HOUR = 3_600_000;

describe("the benchmark's model of how Grafana queries Loki", () => {
  it.each([
    ["1 h over 1000 points rounds 3.6 s to 5 s", HOUR / 1000, 5_000],
    ["24 h over 1000 points rounds 86.4 s to 1 m", (24 * HOUR) / 1000, 60_000],
    ["6 h over 1000 points rounds 21.6 s to 20 s", (6 * HOUR) / 1000, 20_000],
  ])("%s", (_name, ms, rounded) => {
    expect(roundInterval(ms)).toBe(rounded);
  });

  it.each([
    ["a panel without a min interval takes the rounded automatic step", HOUR, undefined, 5_000],
    ["a 1m min interval wins over a shorter automatic step", HOUR, "1m", 60_000],
    ["a longer automatic step wins over the min interval", 7 * 24 * HOUR, "1m", 600_000],
  ])("%s", (_name, range, minInterval, step) => {
    expect(panelStep(range, minInterval)).toBe(step);
  });

  it.each([
    ["a 1m step gives 75 s", 60_000, 75_000],
    ["a 5s step still gives four scrape intervals", 5_000, 60_000],
  ])("$__rate_interval: %s", (_name, step, interval) => {
    expect(rateInterval(step)).toBe(interval);
  });

  it("fills the dropdowns at All and the interval variables of the step and range", () => {
    const filled = fillVariables('sum(rate({api=~"$api", level=~"${level}"} [$__rate_interval])) [$__range] [$__auto]', 60_000, HOUR, { api: ".+", level: ".+" });
    expect(filled).toBe('sum(rate({api=~".+", level=~".+"} [75s])) [1h] [1m]');
  });

  it("refuses a variable it has no value for", () => {
    expect(() => fillVariables("{api=~\"$site\"}", 60_000, HOUR, {})).toThrow(/\$site/);
  });

  it.each([
    [90_000, "90s"],
    [HOUR, "1h"],
    [1_500, "1500ms"],
  ])("writes %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("the benchmark's reading of the shipped dashboard", () => {
  const rendered = renderTrustApisDashboard(["trust-api", "data-access-api", "imaging-api"]);
  const shipped = shippedTargets(rendered);
  const byPanel = (panel: string) => shipped.filter((t) => t.panel === panel);

  // Panels the dashboard has and the original design had not: the benchmark times them for ours alone.
  const ADDED_PANELS: string[] = [];

  it("times every panel the original design had, under the same title, and the panels added since", () => {
    expect([...new Set(shipped.map((t) => t.panel))]).toEqual([...new Set(ORIGINAL.map((t) => t.panel)), ...ADDED_PANELS]);
  });

  it.each(["Request rate", "Active APIs", "Status codes: completed requests per second"])("sends no query for %s, which reuses the series of Request rate by API", (panel) => {
    const reused = JSON.parse(rendered).panels.find((p: { title: string }) => p.title === "Request rate by API");
    expect(byPanel(panel)).toEqual([{ panel, refId: "A", kind: "reuse", expr: "", reusedPanelId: reused.id }]);
  });

  it.each([
    ["Errors: error lines and 5xx responses", ["instant", "instant"], undefined, [undefined, undefined]],
    ["p95 latency", ["range"], "1m", [undefined]],
    ["Error rate by API: error lines and 5xx responses per second", ["range", "range"], "1m", [undefined, undefined]],
    ["Slowest requests (1 s or longer, slowest first)", ["logs"], undefined, [1000]],
    ["Recent errors", ["logs"], undefined, [500]],
    ["All logs", ["logs"], undefined, [1000]],
  ])("reads %s as Grafana sends it: its kinds of request, minimum interval and line limit", (panel, kinds, minInterval, maxLines) => {
    expect(byPanel(panel).map((t) => t.kind)).toEqual(kinds);
    expect(byPanel(panel).map((t) => t.minInterval)).toEqual(kinds.map(() => minInterval));
    expect(byPanel(panel).map((t) => t.maxLines)).toEqual(maxLines);
  });
});
