/**
 * What a stat panel shows, computed by Grafana's own frontend data code (@grafana/data, the
 * version of the Grafana image we deploy): the panel's transformations, then its reduction.
 * The code runs in a plain Node process (grafana-data-run.js), which can load @grafana/data's
 * ES module dependencies where Jest cannot.
 */
import { execFileSync } from "child_process";
import * as path from "path";

/** One series of a Loki range query: the panel target it answers, its labels and `[time ms, value]` points. */
export interface LokiSeries {
  refId: string;
  labels: Record<string, string>;
  points: Array<[number, number]>;
}

/** A panel as rendered JSON holds it. */
export interface PanelJson {
  transformations?: unknown[];
  fieldConfig: unknown;
  options: { reduceOptions?: unknown };
}

/** The targets whose legend names the series: the panel's own, or those of the panel it reuses. */
export type Legends = Array<{ refId: string; legendFormat?: string }>;

/** One field of a frame after a panel's transformations: its display name, type and values. */
export interface ShownField {
  name: string;
  type: string;
  values: unknown[];
}

/**
 * The name Grafana's Loki datasource gives a series (pkg/tsdb/loki/frame.go, formatName): its
 * target's legend with each `{{label}}` filled in (empty when the series lacks the label), or,
 * without a legend, its labels as `{name="value", ...}` sorted.
 */
export function seriesName(labels: Record<string, string>, legendFormat = ""): string {
  if (legendFormat === "") return `{${Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`).sort().join(", ")}}`;
  return legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_all, label: string) => labels[label] ?? "");
}

function run(show: "stat" | "frames", panel: PanelJson, series: LokiSeries[], legends: Legends): unknown {
  const named = series.map((s) => ({ ...s, displayName: seriesName(s.labels, legends.find((t) => t.refId === s.refId)?.legendFormat) }));
  const output = execFileSync(process.execPath, [path.join(__dirname, "grafana-data-run.js")], { input: JSON.stringify({ panel, series: named, show }), encoding: "utf8" });
  return JSON.parse(output);
}

/** The texts a stat panel shows when its target returns `series`, as Grafana computes them. */
export function statTexts(panel: PanelJson, series: LokiSeries[], legends: Legends): string[] {
  return run("stat", panel, series, legends) as string[];
}

/** The frames a panel draws when its targets return `series`: Grafana's result of its transformations. */
export function shownFrames(panel: PanelJson, series: LokiSeries[], legends: Legends): ShownField[][] {
  return run("frames", panel, series, legends) as ShownField[][];
}
