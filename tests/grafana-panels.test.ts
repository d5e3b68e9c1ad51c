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
const lokiSeries = (labels: Record<string, string>, points: Array<[number, number]>): LokiSeries => ({ refId: "A", labels, points });

// Request rate by API as Loki returns it: a point per minute an API finished a request; a minute
// without one has no point. imaging-api was idle at minute 1, and every API at minute 3. Its
// target B, vector(0), is 0 at every minute.
const zero: LokiSeries = { refId: "B", labels: {}, points: [0, 1, 2, 3, 4].map((minute): [number, number] => [minute * MINUTE, 0]) };
const byApi = [
  lokiSeries({ api: "trust-api" }, [[0, 1.5], [MINUTE, 2], [2 * MINUTE, 2.5], [4 * MINUTE, 1]]),
  lokiSeries({ api: "data-access-api" }, [[0, 0.5], [MINUTE, 0.25], [2 * MINUTE, 1], [4 * MINUTE, 2]]),
  lokiSeries({ api: "imaging-api" }, [[0, 3], [2 * MINUTE, 0.5], [4 * MINUTE, 0.25]]),
];

describe("Request rate, from the series of Request rate by API", () => {
  it("is the mean over every minute of the total of every API, a minute without requests counting as 0", () => {
    const totals = [1.5 + 0.5 + 3, 2 + 0.25, 2.5 + 1 + 0.5, 0, 1 + 2 + 0.25];
    const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
    expect(statTexts(panel("Request rate"), [...byApi, zero])).toEqual([`${mean.toFixed(2)} req/s`]);
  });

  it("equals the API's own mean when one API is selected", () => {
    expect(statTexts(panel("Request rate"), [byApi[1], zero])).toEqual([`${((0.5 + 0.25 + 1 + 0 + 2) / 5).toFixed(2)} req/s`]);
  });

  it("shows 0 when no API finished a request", () => {
    expect(statTexts(panel("Request rate"), [zero])).toEqual(["0.00 req/s"]);
  });
});

describe("Active APIs, from the series of Request rate by API", () => {
  it.each([
    ["every API", [...byApi, zero], "3"],
    ["one API", [byApi[2], zero], "1"],
  ])("counts %s that finished a request, not the zero series", (_name, frames, shown) => {
    expect(statTexts(panel("Active APIs"), frames)).toEqual([shown]);
  });

  it("shows 0 when no API finished a request", () => {
    expect(statTexts(panel("Active APIs"), [zero])).toEqual(["0"]);
  });
});
