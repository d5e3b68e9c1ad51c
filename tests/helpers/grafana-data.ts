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

/** A stat panel as rendered JSON holds it. */
export interface StatPanelJson {
  transformations?: unknown[];
  fieldConfig: unknown;
  options: { reduceOptions: unknown };
}

/** The texts a stat panel shows when its target returns `series`, as Grafana computes them. */
export function statTexts(panel: StatPanelJson, series: LokiSeries[]): string[] {
  const output = execFileSync(process.execPath, [path.join(__dirname, "grafana-data-run.js")], { input: JSON.stringify({ panel, series }), encoding: "utf8" });
  return JSON.parse(output) as string[];
}
