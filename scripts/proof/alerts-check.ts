/**
 * Replays scenarios of known truth into a running Loki and evaluates a stack's alert rules on them
 * as Grafana does, minute by minute: each rule's query as an instant query at the evaluation time,
 * the last value per series, the threshold, then Grafana's states (pending for `for`, no data and
 * errors as the rule says). Not part of the tests: it needs a Loki, given by URL, that holds
 * nothing else under the scenarios' labels.
 *
 *   npx ts-node --transpile-only scripts/proof/alerts-check.ts --loki http://127.0.0.1:3100 [--stack prod] [--scenarios normal,silent]
 *
 * Each scenario writes the last hour under its own API names (`<scenario>-trust-api`, ...) and
 * site (`<site>-<scenario>`), with the labels Alloy gives a line (`container`, `service`,
 * `project`; `api`, `level`, `event` from the JSON), so all of them share one Loki and one hour.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import { alertRuleGroups, AlertRule } from "../../components/plan/grafana/alerting";
import { dashboardApiNames } from "../../components/plan/grafana/provisioning";
import { Settings } from "../../components/plan/settings";
import { pythonJson, random } from "./contract-lines";
import { loadStackSettings } from "../render";

const MINUTE = 60_000;

/** Streams of lines by label set, as Loki's push API takes them. */
class Streams {
  private readonly byKey = new Map<string, { labels: Record<string, string>; values: Array<[number, string]> }>();

  add(labels: Record<string, string>, timeMs: number, line: string): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    const stream = this.byKey.get(key) ?? { labels, values: [] };
    stream.values.push([timeMs, line]);
    this.byKey.set(key, stream);
  }

  all(): Array<{ labels: Record<string, string>; values: Array<[number, string]> }> {
    return [...this.byKey.values()].map((stream) => ({ ...stream, values: stream.values.sort((a, b) => a[0] - b[0]) }));
  }
}

/** What one scenario knows while it writes. */
interface Scene {
  streams: Streams;
  site: string;
  apis: string[];
  start: number;
  end: number;
  onset: number;
  rand: () => number;
  /** The expressions of the scenario's rules, which Loki logs as it runs them. */
  queries: string[];
}

/** How an API behaves from a moment on. */
interface Traffic {
  /** Requests per second. */
  rate: number;
  /** Median and spread of the request time (lognormal). */
  medianMs: number;
  sigma: number;
  /** Share of requests answered 5xx, and of requests that raise (request.failed). */
  serverErrors: number;
  exceptions: number;
}

const HEALTHY: Traffic = { rate: 1, medianMs: 120, sigma: 0.5, serverErrors: 0.01, exceptions: 0.005 };

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function apiLine(scene: Scene, api: string, timeMs: number, level: string, event: string, message: string, extra: Record<string, unknown> = {}): void {
  const labels = { container: `${scene.site}-${api}`, service: api, project: scene.site, api, level, event };
  const record = { timestamp: new Date(timeMs).toISOString(), level, api, logger: "log_config.middleware", message, event, ...extra };
  scene.streams.add(labels, timeMs, pythonJson(record));
}

/** Requests of one API from `from` to `to`, arriving at random, as log_config's middleware logs them. */
function requests(scene: Scene, api: string, from: number, to: number, traffic: Traffic): void {
  const gap = () => (-Math.log(1 - scene.rand()) / traffic.rate) * 1000;
  for (let time = from + gap(); time < to; time += gap()) request(scene, api, time, traffic);
  // Lines outside requests, one at ERROR among them: they are no request and must not count.
  for (let time = from + 20_000; time < to; time += 20_000) {
    const error = Math.floor((time - from) / 20_000) % 15 === 7;
    apiLine(scene, api, time, error ? "ERROR" : "INFO", error ? "training.failed" : "task.polled", error ? "training round failed" : "polled hub");
  }
}

/** One request, its outcome drawn from `traffic`. */
function request(scene: Scene, api: string, time: number, traffic: Traffic): void {
  const id = Math.floor(scene.rand() * 1e12).toString(16);
  const duration = Math.round(traffic.medianMs * Math.exp(traffic.sigma * gaussian(scene.rand)));
  const common = { request_id: id, method: "GET", path: "/projects/p-001" };
  apiLine(scene, api, time, "INFO", "request.started", "GET /projects/p-001 started", common);
  const roll = scene.rand();
  if (roll < traffic.exceptions) {
    apiLine(scene, api, time + duration, "ERROR", "request.failed", "GET /projects/p-001 failed", { ...common, duration_ms: duration, exception: "Traceback ..." });
  } else {
    const status = roll < traffic.exceptions + traffic.serverErrors ? 503 : 200;
    if (status >= 500) apiLine(scene, api, time + duration - 1, "ERROR", "response.error", `responding ${status}`, { request_id: id });
    apiLine(scene, api, time + duration, "INFO", "request.completed", `GET /projects/p-001 ${status} in ${duration} ms`, { ...common, status_code: status, duration_ms: duration });
  }
}

function serviceLine(scene: Scene, service: "loki" | "alloy" | "grafana", timeMs: number, line: string): void {
  scene.streams.add({ container: `${scene.site}-${service}`, service, project: scene.site }, timeMs, line.replace("TS", new Date(timeMs).toISOString()));
}

/** The stack's own everyday lines, with Loki's one error at start and a burst from Alloy when containers are replaced. */
function stackLines(scene: Scene): void {
  for (let time = scene.start; time < scene.end; time += 10_000) {
    serviceLine(scene, "loki", time, 'level=info ts=TS caller=table_manager.go:136 index-store=tsdb-2024-01-01 msg="uploading tables"');
    serviceLine(scene, "alloy", time + 1, 'ts=TS level=info msg="opened log stream" target=docker/abc component_id=loki.source.docker.containers');
    // Grafana's errors are not the pipeline's: the pipeline rules must leave them out.
    serviceLine(scene, "grafana", time + 2, 'logger=ngalert.notifier t=TS level=error msg="failed to send notification"');
  }
  // Loki logs every query it runs, quoted, at info level: each rule's, every minute (three lines, as Loki 3.4.0 writes them).
  const quoted = (expr: string) => JSON.stringify(expr);
  for (let time = scene.start; time < scene.end; time += MINUTE) {
    for (const expr of scene.queries) {
      serviceLine(scene, "loki", time + 10, `level=info ts=TS caller=roundtrip.go:419 org_id=fake traceID=17c558f1613eea95 msg="executing query" type=instant query=${quoted(expr)} query_hash=3960805384`);
      serviceLine(scene, "loki", time + 11, `level=info ts=TS caller=engine.go:263 component=querier org_id=fake traceID=17c558f1613eea95 msg="executing query" query=${quoted(expr)} query_hash=3591630434 type=instant`);
      serviceLine(scene, "loki", time + 12, `level=info ts=TS caller=metrics.go:237 component=querier org_id=fake traceID=17c558f1613eea95 latency=fast query=${quoted(expr)} query_type=metric range_type=instant status=200`);
    }
  }
  // Loki 3.4 logs this once as it starts (seen on the rendered dev config).
  serviceLine(scene, "loki", scene.start + 5_000, 'level=error ts=TS caller=ratestore.go:109 msg="error getting ingester clients" err="empty ring"');
  // A `pulumi up` replacing the API containers: Alloy v1.9.0 dockertarget/target.go, once per container.
  for (let i = 0; i < 6; i++) {
    serviceLine(scene, "alloy", scene.start + 25 * MINUTE + i * 200, 'ts=TS level=error msg="could not inspect container info" container=/old err="No such container" component_id=loki.source.docker.containers');
  }
}

const SCENARIOS: Record<string, { summary: string; write(scene: Scene): void }> = {
  normal: {
    summary: "every API busy and healthy (1 req/s, p95 about 270 ms, 1.5% failing)",
    write(scene) {
      for (const api of scene.apis) requests(scene, api, scene.start, scene.end, HEALTHY);
      stackLines(scene);
    },
  },
  quiet: {
    summary: "a quiet night: one request per API every 3 minutes, every third a 5 s 503",
    write(scene) {
      for (const api of scene.apis) {
        let n = 0;
        for (let time = scene.start + 30_000; time < scene.end; time += 3 * MINUTE) {
          const bad = n++ % 3 === 0;
          request(scene, api, time, { rate: 0, medianMs: bad ? 5000 : 80, sigma: 0.01, serverErrors: bad ? 1 : 0, exceptions: 0 });
        }
      }
      stackLines(scene);
    },
  },
  silent: {
    summary: "normal, then the last API writes nothing from 16 minutes before the end",
    write(scene) {
      scene.apis.forEach((api, i) => requests(scene, api, scene.start, i === scene.apis.length - 1 ? scene.onset : scene.end, HEALTHY));
      stackLines(scene);
    },
  },
  failing: {
    summary: "normal, then the second API answers 30% 5xx with a p95 of about 3 s from 16 minutes before the end",
    write(scene) {
      scene.apis.forEach((api, i) => {
        requests(scene, api, scene.start, i === 1 ? scene.onset : scene.end, HEALTHY);
        if (i === 1) requests(scene, api, scene.onset, scene.end, { rate: 1, medianMs: 2000, sigma: 0.25, serverErrors: 0.3, exceptions: 0 });
      });
      stackLines(scene);
    },
  },
  pipeline: {
    summary: "normal, then Loki refuses lines, Alloy drops batches and keeps logging errors, from 16 minutes before the end",
    write(scene) {
      for (const api of scene.apis) requests(scene, api, scene.start, scene.end, HEALTHY);
      stackLines(scene);
      for (let time = scene.onset; time < scene.end; time += MINUTE) {
        // Lines real Loki 3.4.0 wrote for a too-old line and for a push over its rate limit.
        serviceLine(scene, "loki", time, 'level=error ts=TS caller=manager.go:50 component=distributor path=write msg="write operation failed" details="entry for stream \'{project=\\"x\\"}\' has timestamp too old: 2026-11-19T08:07:02Z, oldest acceptable timestamp is: 2026-11-20T08:07:02Z" org_id=fake');
        serviceLine(scene, "loki", time + 500, 'level=error ts=TS caller=manager.go:50 component=distributor path=write msg="write operation failed" details="Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest \'7000\' lines totaling \'7000000\' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased" org_id=fake');
        // Alloy v1.9.0 client.go after Loki's 400, in Alloy's logfmt.
        serviceLine(scene, "alloy", time + 1000, 'ts=TS level=error msg="final error sending batch" component_path=/ component_id=loki.write.local component=client host=site-loki:3100 status=400 tenant="" error="server returned HTTP status 400 Bad Request (400): entry for stream has timestamp too old"');
        serviceLine(scene, "alloy", time + 1500, 'ts=TS level=error msg="could not fetch logs for container" container=/site-trust-api err="Cannot connect to the Docker daemon" component_id=loki.source.docker.containers');
      }
    },
  },
  demo: {
    summary: "the dev stack's demo generators (python3 -m log_config.demo, 3 req/s each), as they run",
    write(scene) {
      const root = path.join(__dirname, "..", "..");
      scene.apis.forEach((api, i) => {
        const profile = api.replace(/^demo-/, "");
        const run = spawnSync("python3", ["-c", `import sys; sys.argv=["demo","--api","${profile}","--count","12000","--seed","${i + 1}"]; from log_config.demo import main; main()`], {
          cwd: root,
          encoding: "utf8",
          maxBuffer: 1 << 30,
          env: { ...process.env, LOG_LEVEL: "INFO" },
        });
        let time = scene.start;
        for (const text of run.stdout.split("\n").filter((line) => line.startsWith("{"))) {
          const record = JSON.parse(text) as Record<string, unknown>;
          if (record.event === "request.started") time += (-Math.log(1 - scene.rand()) / 3) * 1000;
          if (time >= scene.end) break;
          const stamped = text.replace(/"timestamp": "[^"]+"/, `"timestamp": "${new Date(time).toISOString()}"`).replaceAll(`"api": "${profile}"`, `"api": "${api}"`);
          const labels = { container: `${scene.site}-${api}`, service: api, project: scene.site, api, level: String(record.level), ...(record.event ? { event: String(record.event) } : {}) };
          scene.streams.add(labels, time, stamped);
        }
      });
      stackLines(scene);
    },
  },
};

async function push(loki: string, streams: ReturnType<Streams["all"]>): Promise<number> {
  // Slices of two minutes across every stream, in time order, under Loki's default 4 MB/s.
  const from = Math.min(...streams.map((s) => s.values[0]?.[0] ?? Infinity));
  const to = Math.max(...streams.map((s) => s.values[s.values.length - 1]?.[0] ?? 0));
  let lines = 0;
  for (let slice = from; slice <= to; slice += 2 * MINUTE) {
    const body = streams
      .map((s) => ({ stream: s.labels, values: s.values.filter(([time]) => time >= slice && time < slice + 2 * MINUTE).map(([time, line]) => [`${BigInt(Math.round(time)) * 1_000_000n}`, line]) }))
      .filter((s) => s.values.length > 0);
    const text = JSON.stringify({ streams: body });
    const response = await fetch(`${loki}/loki/api/v1/push`, { method: "POST", headers: { "Content-Type": "application/json" }, body: text });
    if (!response.ok) throw new Error(`push refused: ${response.status} ${await response.text()}`);
    lines += body.reduce((sum, s) => sum + s.values.length, 0);
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(text.length / 2_000)));
  }
  return lines;
}

interface Sample {
  labels: Record<string, string>;
  value: number;
}

async function instantQuery(loki: string, expr: string, timeMs: number): Promise<Sample[]> {
  const url = `${loki}/loki/api/v1/query?${new URLSearchParams({ query: expr, time: String(timeMs / 1000) })}`;
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (!response.ok || body.status !== "success") throw new Error(`query failed (${response.status}): ${JSON.stringify(body).slice(0, 300)}`);
  if (body.data?.resultType !== "vector") throw new Error(`expected a vector, got ${body.data?.resultType}`);
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

function minutesOfFor(duration: string): number {
  const match = /^(\d+)([sm])$/.exec(duration);
  if (!match) throw new Error(`unexpected for: ${duration}`);
  return Number(match[1]) / (match[2] === "s" ? 60 : 1);
}

/** What one rule did in one scenario. */
interface Outcome {
  rule: string;
  fired: Array<{ instance: string; firstFiringMinute: number; value: number }>;
  peak: Array<{ instance: string; value: number }>;
  errors: number;
}

/** Grafana's evaluation of one rule, every minute: A at the time, B its last value, C the threshold, then the states. */
async function evaluate(loki: string, rule: AlertRule, times: number[], onset: number): Promise<Outcome> {
  const expr = rule.data[0].model.expr as string;
  const threshold = (rule.data[2].model.conditions as Array<{ evaluator: { params: number[]; type: string } }>)[0].evaluator;
  const pendingMs = minutesOfFor(rule.for) * MINUTE;
  const states = new Map<string, { state: "Pending" | "Alerting"; since: number }>();
  const fired = new Map<string, { firstFiringMinute: number; value: number }>();
  const peak = new Map<string, number>();
  let errors = 0;
  for (const time of times) {
    let samples: Sample[];
    try {
      samples = await instantQuery(loki, expr, time);
    } catch (error) {
      errors++;
      console.error(`  ${rule.uid} at ${new Date(time).toISOString()}: ${(error as Error).message}`);
      continue;
    }
    const seen = new Set<string>();
    // No series: noDataState OK keeps every instance normal.
    for (const sample of samples) {
      const instance = Object.entries(sample.labels).map(([k, v]) => `${k}=${v}`).join(",") || "(no labels)";
      seen.add(instance);
      peak.set(instance, Math.max(peak.get(instance) ?? -Infinity, sample.value));
      const breached = threshold.type === "gt" ? sample.value > threshold.params[0] : sample.value < threshold.params[0];
      const current = states.get(instance);
      if (!breached) {
        states.delete(instance);
        continue;
      }
      const since = current?.since ?? time;
      const state = time - since >= pendingMs ? "Alerting" : "Pending";
      states.set(instance, { state, since });
      if (state === "Alerting") {
        const first = fired.get(instance)?.firstFiringMinute ?? Math.round((time - onset) / MINUTE);
        fired.set(instance, { firstFiringMinute: first, value: sample.value });
      }
    }
    for (const instance of [...states.keys()]) if (!seen.has(instance)) states.delete(instance);
  }
  return {
    rule: rule.title,
    fired: [...fired.entries()].map(([instance, f]) => ({ instance, ...f })),
    peak: [...peak.entries()].map(([instance, value]) => ({ instance, value })),
    errors,
  };
}

/** The stack's settings with a scenario's own site and API names. */
function scenarioSettings(settings: Settings, scenario: string): Settings {
  return {
    ...settings,
    siteName: `${settings.siteName}-${scenario}`,
    apis: dashboardApiNames(settings).map((name) => ({ name: `${scenario}-${name}`, image: "none:0", env: {} })),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      loki: { type: "string" },
      stack: { type: "string", default: "prod" },
      scenarios: { type: "string", default: Object.keys(SCENARIOS).filter((s) => s !== "demo").join(",") },
      // Evaluate another stack's thresholds on lines an earlier run pushed.
      "skip-push": { type: "boolean", default: false },
    },
  });
  if (!values.loki) throw new Error("usage: scripts/proof/alerts-check.ts --loki <url> [--stack prod] [--scenarios normal,silent,...]");
  const loki = values.loki.replace(/\/$/, "");
  const settings = loadStackSettings(values.stack as string, path.join(__dirname, "..", ".."));
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - 60 * MINUTE;
  const onset = end - 16 * MINUTE;
  const scenes: Array<{ name: string; settings: Settings }> = [];
  for (const [index, name] of (values.scenarios as string).split(",").entries()) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(", ")}`);
    const own = scenarioSettings(settings, name);
    const apis = own.apis.map((api) => api.name);
    const queries = alertRuleGroups(own, apis).flatMap((group) => group.rules.map((rule) => rule.data[0].model.expr as string));
    const scene: Scene = { streams: new Streams(), site: own.siteName, apis, start, end, onset, rand: random(index + 7), queries };
    if (!values["skip-push"]) {
      scenario.write(scene);
      const lines = await push(loki, scene.streams.all());
      console.log(`pushed ${name}: ${lines} lines, ${scene.streams.all().length} streams`);
    }
    scenes.push({ name, settings: own });
  }
  // Evaluate from the first minute every window is full to the end, as a Grafana that had been running all along.
  const times: number[] = [];
  for (let time = start + 11 * MINUTE; time <= end; time += MINUTE) times.push(time);
  console.log(`\nstack ${values.stack}; evaluated every minute from ${new Date(times[0]).toISOString()} to ${new Date(end).toISOString()}; problems start at minute 0 = ${new Date(onset).toISOString()}\n`);
  for (const { name, settings: own } of scenes) {
    console.log(`## ${name}: ${SCENARIOS[name].summary}`);
    for (const rule of alertRuleGroups(own, own.apis.map((api) => api.name)).flatMap((group) => group.rules)) {
      const outcome = await evaluate(loki, rule, times, onset);
      const strip = (instance: string) => instance.replace(`${name}-`, "");
      const fired = outcome.fired.map((f) => `FIRED ${strip(f.instance)} at minute ${f.firstFiringMinute} (value ${f.value.toFixed(1)})`);
      const peaks = outcome.peak.map((p) => `${strip(p.instance)} peak ${p.value.toFixed(1)}`).join("; ");
      console.log(`  ${outcome.rule}: ${fired.length > 0 ? fired.join("; ") : "nothing fired"}${peaks ? ` [${peaks}]` : " [no series]"}${outcome.errors ? ` (${outcome.errors} query errors)` : ""}`);
    }
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
