/**
 * Times the Trust APIs dashboard the way Grafana 11 runs it, against the original design, on
 * contract logs of known truth; checks that every panel still tells the truth. Not part of the
 * tests or CI: it needs Lokis that hold nothing else.
 *
 *   npm run bench -- --loki http://127.0.0.1:3191 --baseline http://127.0.0.1:3192 \
 *     [--hours 1 --rps 20 --rounds 5 --concurrency 6 --restart "<command that restarts both Lokis>"]
 *
 * `--loki` runs the project's rendered Loki config, `--baseline` the original one (the same
 * Loki when omitted). Both get the same lines, pushed at full speed as Alloy replays a backlog,
 * ours with the status_class label and structured metadata the project's Alloy adds, the
 * original's without;
 * refused pushes (429) are counted. Each round restarts both Lokis (`--restart`, so every cache
 * is empty), then loads the dashboard cold over the range ending a minute ago and refreshes it
 * a minute later, as auto-refresh does; the order of the two designs alternates by round.
 */
import { execSync } from "child_process";
import { parseArgs } from "util";
import { DASHBOARD_DATASOURCE, renderTrustApisDashboard } from "../../components/plan/grafana/dashboard";
import { ZERO_EVERY_STEP } from "../../components/plan/grafana/dashboard-queries";
import { pythonJson, random, structuredMetadataOf } from "./contract-lines";
import { fillVariables, panelStep } from "./bench/grafana-queries";

const MINUTE = 60_000;
const APIS = ["trust-api", "data-access-api", "imaging-api"];
const ALL = { api: ".+", level: ".+" };
// Requests the browser has in flight at once against one Grafana (HTTP/1.1 connection limit).
const BROWSER_CONCURRENCY = 6;

/** One request of the known truth. */
interface Request {
  api: number;
  end: number;
  durationMs: number;
  /** 0 for request.failed. */
  status: number;
}

/** What was written: every finished request, every ERROR line, every line. */
interface Truth {
  requests: Request[];
  errorLines: Array<{ api: number; time: number }>;
  lines: number[];
}

// Per API: routes as [weight, median ms] from log_config/demo.py's traffic profiles.
const ROUTES: number[][][] = [
  [[3, 900], [5, 40], [3, 25], [2, 60], [2, 35], [1, 3]],
  [[5, 300], [2, 1500], [3, 120], [1, 3]],
  [[5, 200], [2, 2500], [3, 80], [1, 3]],
];
// demo.py's outcome shares and background lines (ERROR, INFO, WARNING weights 1, 3, 2).
const P = { exception: 0.02, serverError: 0.03, clientError: 0.08, background: 0.15 };

type Entry = [string, string] | [string, string, Record<string, string>];
type Stream = { stream: Record<string, string>; values: Entry[] };

/** Lines of `hours` ending at `end`, `rps` requests a second per API, by minute, and their truth. */
function generate(end: number, hours: number, rps: number): { minutes: Map<number, Map<string, Stream>>; truth: Truth } {
  const rand = random(20);
  const minutes = new Map<number, Map<string, Stream>>();
  const truth: Truth = { requests: [], errorLines: [], lines: [] };
  const start = end - hours * 60 * MINUTE;
  const add = (api: number, time: number, level: string, event: string, fields: Record<string, unknown>) => {
    if (time >= end) return;
    const name = APIS[api];
    // status_class as the project's Alloy sets it; the original design had no such label.
    const statusClass: Record<string, string> = typeof fields.status_code === "number" ? { status_class: `${String(fields.status_code)[0]}xx` } : {};
    const labels: Record<string, string> = { container: `bench-${name}`, service: name, project: "bench", api: name, level, event, ...statusClass };
    const key = Object.values(labels).join("/");
    const minute = Math.floor(time / MINUTE);
    const streams = minutes.get(minute) ?? new Map<string, Stream>();
    minutes.set(minute, streams);
    const stream: Stream = streams.get(key) ?? { stream: labels, values: [] };
    streams.set(key, stream);
    const record = { timestamp: new Date(time).toISOString(), level, api: name, logger: name.replace(/-/g, "_"), message: `${event} ${fields.path ?? ""}`, event, ...fields };
    stream.values.push([`${BigInt(Math.round(time * 1000)) * 1000n}`, pythonJson(record), structuredMetadataOf(record)]);
    truth.lines.push(time);
    if (level === "ERROR") truth.errorLines.push({ api, time });
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  APIS.forEach((_name, api) => {
    const routes = ROUTES[api];
    const total = routes.reduce((sum, r) => sum + r[0], 0);
    for (let time = start - Math.log(1 - rand()) * (1000 / rps); time < end; time -= Math.log(1 - rand()) * (1000 / rps)) {
      let pick = rand() * total;
      const route = routes.find((r) => (pick -= r[0]) < 0) ?? routes[0];
      const durationMs = Math.round(route[1] * Math.exp(0.6 * gaussian()));
      const common = { request_id: Math.floor(rand() * 1e12).toString(16), method: "GET", path: `/r${route[1]}` };
      add(api, time, "INFO", "request.started", common);
      const roll = rand();
      const done = time + durationMs;
      if (roll < P.exception) {
        add(api, done, "ERROR", "request.failed", { ...common, duration_ms: durationMs, exception: "Traceback ..." });
        if (done < end) truth.requests.push({ api, end: done, durationMs, status: 0 });
      } else {
        const status = roll < P.exception + P.serverError ? 503 : roll < P.exception + P.serverError + P.clientError ? 404 : 200;
        add(api, done, "INFO", "request.completed", { ...common, status_code: status, duration_ms: durationMs });
        if (done < end) truth.requests.push({ api, end: done, durationMs, status });
      }
      if (rand() < P.background) {
        const kind = rand() * 6;
        const [level, event] = kind < 1 ? ["ERROR", "training.failed"] : kind < 4 ? ["INFO", "task.polled"] : ["WARNING", "hub.slow"];
        add(api, done + 5, level, event, {});
      }
    }
  });
  return { minutes, truth };
}

/** A stream as the original design's Alloy sent it: no status_class label, no structured metadata. */
function asOriginalAlloySent({ stream, values }: Stream): Stream {
  return {
    stream: Object.fromEntries(Object.entries(stream).filter(([label]) => label !== "status_class")),
    values: values.map(([time, line]): Entry => [time, line]),
  };
}

/** Pushes minute by minute at full speed, as Alloy replays a backlog; counts the pushes Loki refused with 429. */
async function push(lokis: Array<{ url: string; ours: boolean }>, minutes: Map<number, Map<string, Stream>>): Promise<{ bytes: number; seconds: number; refused: Record<string, number> }> {
  const refused: Record<string, number> = Object.fromEntries(lokis.map((l) => [l.url, 0]));
  let bytes = 0;
  const began = Date.now();
  for (const minute of [...minutes.keys()].sort((a, b) => a - b)) {
    const streams = [...minutes.get(minute)!.values()].map((s) => ({ ...s, values: s.values.sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1)) }));
    for (const loki of lokis) {
      const body = JSON.stringify({ streams: loki.ours ? streams : streams.map(asOriginalAlloySent) });
      bytes += body.length;
      for (;;) {
        const response = await fetch(`${loki.url}/loki/api/v1/push`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
        if (response.status === 429) {
          refused[loki.url]++;
          await response.text();
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        if (!response.ok) throw new Error(`push refused by ${loki.url}: ${response.status} ${await response.text()}`);
        break;
      }
    }
  }
  return { bytes, seconds: (Date.now() - began) / 1000, refused };
}

/** One Loki request a panel target makes, or none for a target that reuses another panel's data. */
export interface PanelTarget {
  panel: string;
  refId: string;
  kind: "instant" | "range" | "logs" | "reuse";
  expr: string;
  minInterval?: string;
  maxLines?: number;
  reusedPanelId?: number;
}

interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  interval?: string;
  targets?: Array<{ refId: string; expr?: string; queryType?: string; maxLines?: number; panelId?: number; datasource?: { uid: string } }>;
}

/** The targets of the dashboard that ships, read from its rendered JSON. */
export function shippedTargets(dashboardJson: string): PanelTarget[] {
  const panels = (JSON.parse(dashboardJson) as { panels: DashboardPanel[] }).panels;
  return panels.flatMap((p) =>
    (p.targets ?? []).map((t): PanelTarget => {
      if (t.datasource?.uid === DASHBOARD_DATASOURCE.uid) return { panel: p.title, refId: t.refId, kind: "reuse", expr: "", reusedPanelId: t.panelId };
      const expr = t.expr as string;
      const kind = t.queryType === "instant" ? "instant" : /^\s*\{/.test(expr) ? "logs" : "range";
      return { panel: p.title, refId: t.refId, kind, expr, minInterval: p.interval, maxLines: t.maxLines };
    }),
  );
}

const SEL = '{api=~"$api"}';
/** The original design's queries, mapped to the panels that replaced them. */
export const ORIGINAL: PanelTarget[] = [
  { panel: "Request rate", refId: "A", kind: "range", expr: `sum(count_over_time(${SEL} | json | event="request.completed" [$__auto]))` },
  { panel: "Errors: error lines and 5xx responses", refId: "A", kind: "range", expr: 'sum(count_over_time({level="ERROR", api=~"$api"} [$__auto]))' },
  { panel: "p95 latency", refId: "A", kind: "range", expr: `quantile_over_time(0.95, ${SEL} | json | event="request.completed" | unwrap duration_ms [$__auto]) by (api)` },
  { panel: "Active APIs", refId: "A", kind: "range", expr: 'count(sum by (api) (count_over_time({api=~"trust-api|data-access-api|imaging-api"} [$__auto])))' },
  { panel: "Request rate by API", refId: "A", kind: "range", minInterval: "1m", expr: `sum by (api) (count_over_time(${SEL} | json | event="request.completed" [$__auto]))` },
  { panel: "Error rate by API: error lines and 5xx responses per second", refId: "A", kind: "range", minInterval: "1m", expr: 'sum by (api) (count_over_time({level="ERROR", api=~"$api"} [$__auto]))' },
  { panel: "p95 request duration by API", refId: "A", kind: "range", minInterval: "1m", expr: `quantile_over_time(0.95, ${SEL} | json | event="request.completed" | unwrap duration_ms [$__auto]) by (api)` },
  { panel: "Status codes: completed requests per second", refId: "A", kind: "range", minInterval: "1m", expr: `sum by (status_code) (count_over_time(${SEL} | json | event="request.completed" | status_code!="" [$__auto]))` },
  { panel: "Slowest requests (1 s or longer, slowest first)", refId: "A", kind: "logs", maxLines: 1000, expr: `${SEL} | json | event="request.completed"` },
  { panel: "Recent errors", refId: "A", kind: "logs", maxLines: 100, expr: '{level="ERROR", api=~"$api"}' },
  { panel: "All logs", refId: "A", kind: "logs", maxLines: 100, expr: SEL },
];

/** A Loki answer: a vector, a matrix or streams. */
interface Answer {
  resultType: "vector" | "matrix" | "streams";
  result: Array<{ metric?: Record<string, string>; stream?: Record<string, string>; value?: [number, string]; values?: Array<[number | string, string]> }>;
}

interface Timed {
  target: PanelTarget;
  ms: number;
  answer?: Answer;
  stepMs: number;
}

const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** fetch, once more if the connection it reused belonged to a Loki that --restart has since stopped. */
async function fetchAfterRestart(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (error) {
    if (!/other side closed|ECONNRESET/.test(String((error as Error).cause))) throw error;
    return fetch(url);
  }
}

async function runTarget(loki: string, target: PanelTarget, end: number, rangeMs: number): Promise<Timed> {
  const stepMs = panelStep(rangeMs, target.minInterval);
  if (target.kind === "reuse") return { target, ms: 0, stepMs };
  const query = fillVariables(target.expr, stepMs, rangeMs, ALL);
  const params: Record<string, string> =
    target.kind === "instant"
      ? { query, time: ns(end) }
      : { query, start: ns(end - rangeMs), end: ns(end), step: `${stepMs / 1000}`, limit: `${target.maxLines ?? 1000}`, direction: "backward" };
  const url = `${loki}/loki/api/v1/${target.kind === "instant" ? "query" : "query_range"}?${new URLSearchParams(params)}`;
  const began = performance.now();
  const response = await fetchAfterRestart(url);
  const body = (await response.json()) as { status: string; data: Answer };
  const ms = performance.now() - began;
  if (!response.ok || body.status !== "success") throw new Error(`${target.panel} ${target.refId} failed (${response.status}): ${JSON.stringify(body).slice(0, 300)}`);
  return { target, ms, answer: body.data, stepMs };
}

/** Every target at once, at most `concurrency` in flight (a browser's BROWSER_CONCURRENCY), as a browser loads a dashboard. */
async function loadDashboard(loki: string, targets: PanelTarget[], end: number, rangeMs: number, concurrency: number): Promise<{ wallMs: number; timed: Timed[] }> {
  const began = performance.now();
  const timed: Timed[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      timed[i] = await runTarget(loki, targets[i], end, rangeMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { wallMs: performance.now() - began, timed };
}

/** The p-quantile of numbers, as Loki's quantile_over_time computes it (linear interpolation). */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (rank - low);
}

const median = (values: number[]) => quantile(values, 0.5);

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Checks each shipped panel's answer against the truth of the window (end - range, end]. */
function checkTruth(timed: Timed[], truth: Truth, end: number, rangeMs: number): Check[] {
  const inWindow = (time: number) => time > end - rangeMs && time <= end;
  const requests = truth.requests.filter((r) => inWindow(r.end));
  const completed = requests.filter((r) => r.status > 0);
  const errors = truth.errorLines.filter((e) => inWindow(e.time));
  const seconds = rangeMs / 1000;
  const checks: Check[] = [];
  const near = (name: string, got: number, want: number, tolerance: number) =>
    checks.push({ name, ok: Math.abs(got - want) <= tolerance * Math.abs(want), detail: `got ${got.toFixed(3)}, truth ${want.toFixed(3)} (tolerance ${tolerance * 100}%)` });
  const answerOf = (panel: RegExp, refId = "A") => timed.find((t) => panel.test(t.target.panel) && t.target.refId === refId);
  const scalar = (t: Timed | undefined) => Number(t?.answer?.result[0]?.value?.[1] ?? 0);
  // Per value of the label `by`: the mean over every step of the range of its series added up, a missing point counting as 0.
  const seriesMeans = (answers: Array<Timed | undefined>, by: string) => {
    const means = new Map<string, number>();
    for (const t of answers) {
      const points = Math.floor(rangeMs / (t?.stepMs ?? MINUTE)) + 1;
      for (const s of t?.answer?.result ?? []) {
        const value = s.metric?.[by] ?? "";
        means.set(value, (means.get(value) ?? 0) + (s.values ?? []).reduce((sum, [, v]) => sum + Number(v), 0) / points);
      }
    }
    return means;
  };
  const requestRateByApi = timed.filter((t) => /^Request rate by API/.test(t.target.panel));
  // Its targets that count requests (the zero target left out), as the panels reusing it take them.
  const requestTargets = requestRateByApi.filter((t) => t.target.expr !== ZERO_EVERY_STEP);
  const rate = answerOf(/^Request rate$/);
  if (rate?.target.kind === "reuse") {
    // As the panel's transformations compute it (tests/grafana-panels.test.ts): every series of the
    // panel, its zero target included, joined by time and added up per point; the mean of those totals.
    const totals = new Map<number, number>();
    for (const s of requestRateByApi.flatMap((t) => t.answer?.result ?? [])) for (const [time, v] of s.values ?? []) totals.set(Number(time), (totals.get(Number(time)) ?? 0) + Number(v));
    const shown = [...totals.values()].reduce((a, b) => a + b, 0) / totals.size;
    near("Request rate (from Request rate by API)", shown, requests.length / seconds, 0.05);
  } else near("Request rate", scalar(rate), requests.length / seconds, 0.01);
  checks.push({ name: "Errors: error lines", ok: scalar(answerOf(/^Errors/, "A")) === errors.length, detail: `got ${scalar(answerOf(/^Errors/, "A"))}, truth ${errors.length}` });
  const fivexx = completed.filter((r) => r.status >= 500).length;
  checks.push({ name: "Errors: 5xx responses", ok: scalar(answerOf(/^Errors/, "B")) === fivexx, detail: `got ${scalar(answerOf(/^Errors/, "B"))}, truth ${fivexx}` });
  // An instant p95 over the range, or (range query) the mean of its per-interval p95s, as the stat's "mean" shows it.
  const p95 = answerOf(/^p95 latency/);
  const p95Points = (p95?.answer?.result ?? []).flatMap((s) => (s.values ?? []).map(([, v]) => Number(v)));
  const p95Shown = p95?.target.kind === "range" ? p95Points.reduce((a, b) => a + b, 0) / p95Points.length : scalar(p95);
  near(`p95 latency${p95?.target.kind === "range" ? " (mean of the per-interval p95s)" : ""}`, p95Shown, quantile(completed.map((r) => r.durationMs), 0.95), 0.3);
  const active = new Set(requests.map((r) => r.api)).size;
  const activeAnswer = answerOf(/^Active APIs/);
  const activeGot = activeAnswer?.target.kind === "reuse" ? seriesMeans(requestTargets, "api").size : scalar(activeAnswer);
  checks.push({ name: "Active APIs", ok: activeGot === active, detail: `got ${activeGot}, truth ${active}` });
  const byApi = seriesMeans(requestTargets, "api");
  APIS.forEach((api, i) => near(`Request rate by API ${api}`, byApi.get(api) ?? 0, requests.filter((r) => r.api === i).length / seconds, 0.05));
  // As the panel adds them up, when it reuses Request rate by API: per status code (failed requests, which have none, fall under "").
  const statusCodes = answerOf(/^Status codes/);
  const codes = seriesMeans(statusCodes?.target.kind === "reuse" ? requestTargets : [statusCodes], "status_code");
  for (const status of [200, 404, 503]) near(`Status codes ${status}`, codes.get(String(status)) ?? 0, completed.filter((r) => r.status === status).length / seconds, 0.05);
  const errorRate = [...seriesMeans([answerOf(/^Error rate by API/, "A")], "api").values()].reduce((a, b) => a + b, 0);
  near("Error rate by API: error lines", errorRate, errors.length / seconds, 0.05);
  const p95s = answerOf(/^p95 request duration by API/)?.answer?.result ?? [];
  checks.push({ name: "p95 request duration by API has a series per API", ok: p95s.length === APIS.length, detail: `${p95s.length} series` });
  const slow = (answerOf(/^Slowest requests/)?.answer?.result ?? []).flatMap((s) => (s.values ?? []).map(([, line]) => (JSON.parse(line) as { duration_ms: number }).duration_ms));
  const slowTruth = completed.filter((r) => r.durationMs >= 1000).length;
  checks.push({
    name: "Slowest requests: all >= 1 s, the newest min(1000, truth)",
    ok: slow.every((d) => d >= 1000) && slow.length === Math.min(1000, slowTruth),
    detail: `${slow.length} rows, min ${Math.min(...slow)} ms; truth ${slowTruth} requests >= 1 s`,
  });
  return checks;
}

/** Round results of one design. */
interface Series {
  cold: number[];
  refresh: number[];
  panelCold: Map<string, number[]>;
  panelRefresh: Map<string, number[]>;
}

function record(series: Series, kind: "cold" | "refresh", load: { wallMs: number; timed: Timed[] }): void {
  series[kind].push(load.wallMs);
  const byPanel = kind === "cold" ? series.panelCold : series.panelRefresh;
  const perPanel = new Map<string, number>();
  for (const t of load.timed) perPanel.set(t.target.panel, Math.max(perPanel.get(t.target.panel) ?? 0, t.ms));
  for (const [panel, ms] of perPanel) byPanel.set(panel, [...(byPanel.get(panel) ?? []), ms]);
}

const emptySeries = (): Series => ({ cold: [], refresh: [], panelCold: new Map(), panelRefresh: new Map() });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      loki: { type: "string" },
      baseline: { type: "string" },
      hours: { type: "string", default: "1" },
      rps: { type: "string", default: "20" },
      rounds: { type: "string", default: "5" },
      restart: { type: "string" },
      // With --skip-push: the end of the lines an earlier run pushed (it prints it), to rebuild their truth.
      "skip-push": { type: "boolean", default: false },
      // Requests in flight at once; 1 times each panel alone, without the others competing.
      concurrency: { type: "string", default: String(BROWSER_CONCURRENCY) },
      end: { type: "string" },
    },
  });
  if (!values.loki) throw new Error("usage: npm run bench -- --loki <url> [--baseline <url>] [--hours 1 --rps 20 --rounds 5 --restart <command>]");
  const ours = values.loki.replace(/\/$/, "");
  const baseline = (values.baseline ?? values.loki).replace(/\/$/, "");
  const hours = Number(values.hours);
  const rangeMs = hours * 60 * MINUTE;
  const dataEnd = values.end ? Date.parse(values.end) : Math.floor(Date.now() / 1000) * 1000;
  const { minutes, truth } = generate(dataEnd, hours, Number(values.rps));
  console.log(`data: ${hours} h at ${values.rps} req/s per API, ${truth.lines.length} lines, ${truth.requests.length} finished requests, ending ${new Date(dataEnd).toISOString()}`);
  if (!values["skip-push"]) {
    const lokis = ours === baseline ? [{ url: ours, ours: true }] : [{ url: ours, ours: true }, { url: baseline, ours: false }];
    const pushed = await push(lokis, minutes);
    const refused = Object.entries(pushed.refused).map(([loki, n]) => `${loki} ${n}`).join(", ");
    console.log(`pushed ${(pushed.bytes / 1e6).toFixed(0)} MB in ${pushed.seconds.toFixed(0)} s, one push a minute of lines; 429 answers: ${refused}`);
  }
  minutes.clear();
  const shipped = shippedTargets(renderTrustApisDashboard(APIS));
  const designs: Array<{ name: string; loki: string; targets: PanelTarget[]; series: Series }> = [
    { name: "ours", loki: ours, targets: shipped, series: emptySeries() },
    { name: "original", loki: baseline, targets: ORIGINAL, series: emptySeries() },
  ];
  const concurrency = Number(values.concurrency);
  const failures: string[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    if (values.restart) execSync(values.restart, { stdio: "inherit" });
    const end = Math.floor(Date.now() / 1000) * 1000 - MINUTE;
    for (const design of round % 2 === 0 ? designs : [...designs].reverse()) {
      const cold = await loadDashboard(design.loki, design.targets, end, rangeMs, concurrency);
      const refresh = await loadDashboard(design.loki, design.targets, end + MINUTE, rangeMs, concurrency);
      record(design.series, "cold", cold);
      record(design.series, "refresh", refresh);
      if (design.name === "ours") {
        for (const [load, at] of [[cold, end], [refresh, end + MINUTE]] as const) {
          for (const check of checkTruth(load.timed, truth, at, rangeMs)) if (!check.ok) failures.push(`round ${round + 1}: ${check.name}: ${check.detail}`);
          if (round === 0 && at === end) for (const check of checkTruth(load.timed, truth, at, rangeMs)) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
        }
      }
    }
    const [o, b] = designs.map((d) => d.series);
    console.log(`round ${round + 1}: ours cold ${o.cold[round].toFixed(0)} ms, refresh ${o.refresh[round].toFixed(0)} ms; original cold ${b.cold[round].toFixed(0)} ms, refresh ${b.refresh[round].toFixed(0)} ms`);
  }
  const [o, b] = designs.map((d) => d.series);
  console.log(`\nmedian of ${values.rounds} rounds, ms (per panel: its slowest target; ${concurrency} requests in flight${concurrency === 1 ? ", so each panel alone" : ", as a browser sends them"})`);
  console.log(["panel", "ours cold", "orig cold", "ours refresh", "orig refresh"].join(" | "));
  const f = (xs: number[] | undefined) => (xs ? median(xs).toFixed(0) : "-");
  for (const panel of [...new Set([...shipped, ...ORIGINAL].map((t) => t.panel))]) {
    console.log([panel, f(o.panelCold.get(panel)), f(b.panelCold.get(panel)), f(o.panelRefresh.get(panel)), f(b.panelRefresh.get(panel))].join(" | "));
  }
  console.log(["whole dashboard", f(o.cold), f(b.cold), f(o.refresh), f(b.refresh)].join(" | "));
  console.log(`ratios (ours / original, medians): cold ${(median(o.cold) / median(b.cold)).toFixed(3)}, refresh ${(median(o.refresh) / median(b.refresh)).toFixed(3)}`);
  console.log(failures.length === 0 ? "truth: every check passed in every round" : `truth: ${failures.length} failed checks\n  ${failures.join("\n  ")}`);
  if (failures.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}` : error);
    process.exitCode = 1;
  });
}
