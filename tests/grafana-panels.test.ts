/**
 * The panels that reuse another panel's data, computed by Grafana's own transformation and
 * reduction code (tests/helpers/grafana-data.ts) from series shaped as the Loki datasource
 * returns them: what an operator reads is what the panel's description promises.
 */
import { renderTrustApisDashboard } from "../components/plan/dashboard";
import { LokiSeries, StatPanelJson, statTexts } from "./helpers/grafana-data";

const dashboard = JSON.parse(renderTrustApisDashboard(["trust-api", "data-access-api", "imaging-api"]));
const panel = (title: string): StatPanelJson => dashboard.panels.find((p: { title: string }) => p.title === title);
const MINUTE = 60_000;
const lokiSeries = (labels: Record<string, string>, points: Array<[number, number]>): LokiSeries => ({ labels, points });

// Request rate by API as Loki returns it: a point per minute an API finished a request; a minute
// without one has no point. imaging-api was idle at minute 1, and every API at minute 3.
const byApi = [
  lokiSeries({ api: "trust-api" }, [[0, 1.5], [MINUTE, 2], [2 * MINUTE, 2.5], [4 * MINUTE, 1]]),
  lokiSeries({ api: "data-access-api" }, [[0, 0.5], [MINUTE, 0.25], [2 * MINUTE, 1], [4 * MINUTE, 2]]),
  lokiSeries({ api: "imaging-api" }, [[0, 3], [2 * MINUTE, 0.5], [4 * MINUTE, 0.25]]),
];

describe("Request rate, from the series of Request rate by API", () => {
  it("is the mean over the minutes with requests of the total of every API, in requests per second", () => {
    const totals = [1.5 + 0.5 + 3, 2 + 0.25, 2.5 + 1 + 0.5, 1 + 2 + 0.25];
    const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
    expect(statTexts(panel("Request rate"), byApi)).toEqual([`${mean.toFixed(2)} req/s`]);
  });

  it("equals the API's own mean when one API is selected", () => {
    expect(statTexts(panel("Request rate"), [byApi[1]])).toEqual([`${((0.5 + 0.25 + 1 + 2) / 4).toFixed(2)} req/s`]);
  });

  it("shows 0 when no API finished a request", () => {
    expect(statTexts(panel("Request rate"), [])).toEqual(["0"]);
  });
});

describe("Active APIs, from the series of Request rate by API", () => {
  it.each([
    ["every API", byApi, "3"],
    ["one API", [byApi[2]], "1"],
  ])("counts %s that finished a request", (_name, frames, shown) => {
    expect(statTexts(panel("Active APIs"), frames)).toEqual([shown]);
  });

  it("shows 0 when no API finished a request", () => {
    expect(statTexts(panel("Active APIs"), [])).toEqual(["0"]);
  });
});
