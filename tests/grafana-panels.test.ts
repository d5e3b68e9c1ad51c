/**
 * The panels built on the one query over the request lines (Request rate by API's), computed by
 * Grafana's own transformation and reduction code (tests/helpers/grafana-data.ts) from series
 * shaped as the Loki datasource returns them: what an operator reads is what the panel's
 * description promises.
 */
import { renderTrustApisDashboard } from "../components/plan/grafana/dashboard";
import { EVERY_STEP_SERIES } from "../components/plan/grafana/dashboard-queries";
import { Legends, LokiSeries, PanelJson, seriesName, ShownField, shownFrames, statTexts } from "./helpers/grafana-data";

interface RenderedPanel extends PanelJson {
  title: string;
  targets: Array<{ refId: string; expr?: string; legendFormat?: string }>;
}

const dashboard = JSON.parse(renderTrustApisDashboard(["trust-api", "data-access-api", "imaging-api"])) as { panels: RenderedPanel[] };
const panel = (title: string): RenderedPanel => dashboard.panels.find((p) => p.title === title)!;
const source = panel("Request rate by API");
// Every panel here names its series by the legends of Request rate by API's targets.
const legends: Legends = source.targets;
const refIdOf = (expr: RegExp) => source.targets.find((t) => expr.test(t.expr ?? ""))!.refId;
const COMPLETED = refIdOf(/status_code/);
const FAILED = refIdOf(/request\.failed/);
const ZERO = refIdOf(/vector\(0\)/);
const MINUTE = 60_000;
const at = (minute: number) => minute * MINUTE;
/** `[minute, value]` points as `[time ms, value]`. */
const byMinute = (points: Array<[number, number]>): Array<[number, number]> => points.map(([minute, value]) => [at(minute), value]);
const completed = (api: string, status: string, points: Array<[number, number]>): LokiSeries => ({ refId: COMPLETED, labels: { api, status_code: status }, points: byMinute(points) });
const failed = (api: string, points: Array<[number, number]>): LokiSeries => ({ refId: FAILED, labels: { api }, points: byMinute(points) });

// Request rate by API's targets as Loki returns them over five minutes: a point per minute a
// series counted something, none in a minute without. No API finished a request at minute 3.
// The zero target is 0 at every minute, under the name its query gives it.
const zero: LokiSeries = {
  refId: ZERO,
  labels: { api: EVERY_STEP_SERIES, status_code: EVERY_STEP_SERIES },
  points: byMinute([0, 1, 2, 3, 4].map((minute) => [minute, 0])),
};
const MINUTES = [0, 1, 2, 3, 4].map(at);
const requests = [
  completed("trust-api", "200", [[0, 1], [1, 1.5], [2, 2], [4, 1]]),
  completed("trust-api", "503", [[1, 0.5], [2, 0.5]]),
  completed("data-access-api", "200", [[0, 0.5], [1, 0.25], [2, 1], [4, 2]]),
  completed("imaging-api", "200", [[0, 2], [2, 0.5], [4, 0.25]]),
  completed("imaging-api", "404", [[0, 1]]),
  failed("data-access-api", [[2, 0.25]]),
];

/** A frame as a name-to-values map, its first field (the time column) under "Time". */
const columns = (frame: ShownField[]) => Object.fromEntries(frame.map((field) => [field.name, field.values]));

describe("Grafana's names of Loki series, as the tests give them", () => {
  it.each([
    ["the legend filled in", { api: "trust-api", status_code: "200" }, "{{api}} {{status_code}}", "trust-api 200"],
    ["a label the series lacks left empty", { api: "trust-api" }, "{{api}} {{ status_code }}", "trust-api "],
    ["without a legend, the labels sorted", { status_code: "200", api: "trust-api" }, "", '{api="trust-api", status_code="200"}'],
  ])("%s", (_name, labels, legend, name) => {
    expect(seriesName(labels, legend)).toBe(name);
  });
});

describe("Request rate by API, from completed requests by API and status code plus failed requests", () => {
  it("draws one line per API, each minute the API's completed and failed requests added up, 0 in a minute without", () => {
    const frames = shownFrames(source, [...requests, zero], legends);
    expect(frames).toHaveLength(1);
    expect(frames[0][0]).toEqual({ name: "Time", type: "time", values: MINUTES });
    expect(columns(frames[0])).toEqual({
      Time: MINUTES,
      "trust-api": [1, 2, 2.5, 0, 1],
      "data-access-api": [0.5, 0.25, 1.25, 0, 2],
      "imaging-api": [3, 0, 0.5, 0, 0.25],
    });
    expect(frames[0].slice(1).map((f) => f.type)).toEqual(["number", "number", "number"]);
  });

  it("keeps the minutes in time order whatever order the series come in", () => {
    const frames = shownFrames(source, [...requests.slice().reverse(), zero], legends);
    expect(frames[0][0]).toEqual({ name: "Time", type: "time", values: MINUTES });
    expect(columns(frames[0])["imaging-api"]).toEqual([3, 0, 0.5, 0, 0.25]);
  });

  it("draws no line for the zero target, whose series only gives every minute a row", () => {
    expect(shownFrames(source, [zero], legends)).toEqual([[{ name: "Time", type: "time", values: MINUTES }]]);
  });

  it("draws an API whose every request failed", () => {
    expect(columns(shownFrames(source, [failed("imaging-api", [[3, 0.5]]), zero], legends)[0])).toEqual({ Time: MINUTES, "imaging-api": [0, 0, 0, 0.5, 0] });
  });
});

describe("Status codes, from the completed requests of Request rate by API", () => {
  it("draws one bar series per status code, each minute every API's added up, without the failed requests", () => {
    const frames = shownFrames(panel("Status codes: completed requests per second"), [...requests, zero], legends);
    expect(frames).toHaveLength(1);
    expect(columns(frames[0])).toEqual({
      Time: MINUTES,
      "200": [3.5, 1.75, 3.5, 0, 3.25],
      "503": [0, 0.5, 0.5, 0, 0],
      "404": [1, 0, 0, 0, 0],
    });
    expect(frames[0][0].type).toBe("time");
  });
});

describe("Request rate, from the series of Request rate by API", () => {
  it("is the mean over every minute of every series added up, failed requests included, a minute without requests counting as 0", () => {
    const totals = [1 + 0.5 + 2 + 1, 1.5 + 0.5 + 0.25, 2 + 0.5 + 1 + 0.5 + 0.25, 0, 1 + 2 + 0.25];
    const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
    expect(statTexts(panel("Request rate"), [...requests, zero], legends)).toEqual([`${mean.toFixed(2)} req/s`]);
  });

  it("equals the API's own mean when one API is selected", () => {
    const dataAccess = requests.filter((s) => s.labels.api === "data-access-api");
    expect(statTexts(panel("Request rate"), [...dataAccess, zero], legends)).toEqual([`${((0.5 + 0.25 + 1.25 + 0 + 2) / 5).toFixed(2)} req/s`]);
  });

  it("shows 0 when no API finished a request", () => {
    expect(statTexts(panel("Request rate"), [zero], legends)).toEqual(["0.00 req/s"]);
  });
});

describe("Active APIs, from the series of Request rate by API", () => {
  it.each([
    ["every API, each with several status codes", [...requests, zero], "3"],
    ["one API", [requests[3], requests[4], zero], "1"],
    ["an API whose every request failed", [failed("imaging-api", [[3, 0.5]]), zero], "1"],
  ])("counts the API names of %s, not the zero series", (_name, frames, shown) => {
    expect(statTexts(panel("Active APIs"), frames, legends)).toEqual([shown]);
  });

  it("shows 0 when no API finished a request", () => {
    expect(statTexts(panel("Active APIs"), [zero], legends)).toEqual(["0"]);
  });
});
