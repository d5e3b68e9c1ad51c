/**
 * How Grafana 11 turns a dashboard panel into Loki requests: the step of a range query, the
 * built-in interval variables and `$api`/`$level` at All. Pure, so the benchmark's timing method
 * can be tested without a Loki.
 */

const SECOND = 1000;

// Grafana's rangeutil.roundInterval: the interval it derives from range / max data points is
// rounded to one of these, then raised to the panel's min interval.
const ROUNDED_INTERVALS: Array<[number, number]> = [
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1_500, 1_000],
  [3_500, 2_000],
  [7_500, 5_000],
  [12_500, 10_000],
  [17_500, 15_000],
  [25_000, 20_000],
  [45_000, 30_000],
  [90_000, 60_000],
  [210_000, 120_000],
  [450_000, 300_000],
  [780_000, 600_000],
  [1_200_000, 900_000],
  [2_700_000, 1_200_000],
  [5_400_000, 3_600_000],
  [9_000_000, 7_200_000],
  [16_200_000, 10_800_000],
  [32_400_000, 21_600_000],
  [86_400_000, 43_200_000],
];

/** Grafana's rounding of an automatic interval, in milliseconds. */
export function roundInterval(ms: number): number {
  for (const [upTo, rounded] of ROUNDED_INTERVALS) if (ms < upTo) return rounded;
  return 86_400_000;
}

/** A Grafana duration (`1m`, `15s`, `2h`) in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: SECOND, m: 60 * SECOND, h: 3600 * SECOND, d: 86_400 * SECOND }[match[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

/** A duration in milliseconds as LogQL writes it, largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** The step Grafana gives a panel's range query: range / max data points, rounded, at least the panel's min interval. */
export function panelStep(rangeMs: number, minInterval: string | undefined, maxDataPoints = 1000): number {
  const auto = roundInterval(rangeMs / maxDataPoints);
  return Math.max(auto, minInterval ? parseDuration(minInterval) : 0);
}

// Grafana's default scrape interval for a datasource that sets none, as Loki's does.
const SCRAPE_INTERVAL_MS = 15 * SECOND;

/** `$__rate_interval` as Grafana defines it: max(interval + scrape interval, 4 x scrape interval). */
export function rateInterval(stepMs: number): number {
  return Math.max(stepMs + SCRAPE_INTERVAL_MS, 4 * SCRAPE_INTERVAL_MS);
}

/** A panel query with Grafana's variables filled in: every dropdown at All, the intervals of the step and the range. */
export function fillVariables(expr: string, stepMs: number, rangeMs: number, allValues: Readonly<Record<string, string>>): string {
  const builtins: Record<string, string> = {
    __rate_interval: formatDuration(rateInterval(stepMs)),
    __interval: formatDuration(stepMs),
    __auto: formatDuration(stepMs),
    __range: formatDuration(rangeMs),
  };
  const values = { ...allValues, ...builtins };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    if (!(name in values)) throw new Error(`no value for the variable ${whole} in ${expr}`);
    return values[name];
  });
}
