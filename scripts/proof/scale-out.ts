/**
 * What a Loki loses while something happens to it: streams numbered lines into a Loki (a single
 * one, or a scalable site's gateway) at a steady rate, runs a command part-way (stop a writer,
 * stop the readers, replace a container), keeps querying meanwhile, and then reads every line
 * back. Not part of the tests or CI: it needs a real Loki, and it writes its own stream
 * (`service="scale-out-proof"`, one `run` label per run), so point it at a test site.
 *
 *   npm run scale-out -- --loki http://127.0.0.1:3100 [--lines 3000 --rate 100 \
 *     --at 1000 --run "docker stop trust-site-loki-write-2" --settle 120]
 *
 * Pushes go out as Alloy sends them: batches of `--batch` lines, a refused batch sent again with
 * the same timestamps until Loki takes it (waits from 0.5 s doubling to 5 s; the site's Alloy goes
 * on to 30 s). It prints the
 * figures the scale-out proofs ask for: lines, pushes refused, lines missing and duplicated,
 * queries that failed during the stream, and the time from the last accepted push until every
 * line could be read.
 */
import { spawn } from "child_process";
import { parseArgs } from "util";

/** What a run found. */
export interface ScaleOutFigures {
  lines: number;
  /** Pushes answered with anything but 2xx, or not answered; each was sent again. */
  refusedPushes: number;
  /** Lines read back, each counted once. */
  readBack: number;
  /** Sequence numbers never read back, in order. */
  missing: number[];
  /** Lines read back more than once: extra copies. */
  duplicates: number;
  /** Queries sent during the stream, and how many failed. */
  queries: { sent: number; failed: number };
  /** Seconds from the last accepted push until every line could be read; null if some never could. */
  catchUpSeconds: number | null;
  /** How the command given with `--run` ended, and how long it took. */
  command?: { exitCode: number | null; seconds: number };
}

/** The options of a run. */
export interface ScaleOutOptions {
  loki: string;
  lines: number;
  rate: number;
  batch: number;
  /** The line at which `run` starts. */
  at: number;
  run?: string;
  /** How long to wait for every line to be readable after the last push, in seconds. */
  settle: number;
  /** A name for this run's stream; each run must have its own. */
  runId: string;
}

/** The labels of a run's stream. */
export function streamLabels(runId: string): Record<string, string> {
  return { service: "scale-out-proof", run: runId };
}

/** How many distinct sequence numbers below `lines` were seen, which never were, and how many extra copies came back. */
export function tally(lines: number, seen: readonly number[]): { readBack: number; missing: number[]; duplicates: number } {
  const counts = new Map<number, number>();
  for (const seq of seen) counts.set(seq, (counts.get(seq) ?? 0) + 1);
  const missing = Array.from({ length: lines }, (_, seq) => seq).filter((seq) => !counts.has(seq));
  const duplicates = [...counts.values()].reduce((extra, count) => extra + count - 1, 0);
  return { readBack: counts.size, missing, duplicates };
}

/**
 * The wait before sending a refused batch again: 0.5 s doubling, as the site's Alloy begins
 * (`min_backoff_period`), but at most 5 s where the site's Alloy waits up to 30 s, so that a
 * proof's catch-up time measures Loki rather than the wait.
 */
export function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 5000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one batch until Loki takes it; how many tries it refused. */
async function pushUntilTaken(loki: string, runId: string, entries: Array<[string, string]>): Promise<number> {
  const body = JSON.stringify({ streams: [{ stream: streamLabels(runId), values: entries }] });
  for (let attempt = 0; ; attempt++) {
    const ok = await fetch(`${loki}/loki/api/v1/push`, { method: "POST", headers: { "content-type": "application/json" }, body })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return attempt;
    await sleep(backoffMs(attempt));
  }
}

/** The sequence numbers of every line of the run Loki answers with, read forward in pages; null when a query fails. */
async function readBack(loki: string, runId: string, startNs: bigint, endNs: bigint): Promise<number[] | null> {
  const seen: number[] = [];
  let from = startNs;
  for (;;) {
    const params = new URLSearchParams({ query: `{run="${runId}"}`, start: String(from), end: String(endNs), limit: "5000", direction: "forward" });
    const response = await fetch(`${loki}/loki/api/v1/query_range?${params}`).catch(() => undefined);
    if (response === undefined || !response.ok) return null;
    const answer = (await response.json()) as { data: { result: Array<{ values: Array<[string, string]> }> } };
    const values = answer.data.result.flatMap((stream) => stream.values);
    for (const [, line] of values) seen.push((JSON.parse(line) as { seq: number }).seq);
    if (values.length < 5000) return seen;
    from = values.reduce((latest, [ts]) => (BigInt(ts) > latest ? BigInt(ts) : latest), from) + 1n;
  }
}

/** Runs a shell command without waiting; resolves with how it ended and how long it took. */
function runCommand(command: string): Promise<{ exitCode: number | null; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], { stdio: "inherit" });
    child.on("exit", (exitCode) => resolve({ exitCode, seconds: (Date.now() - started) / 1000 }));
  });
}

/** Streams the lines, runs the command at its line, queries meanwhile, and reads everything back. */
export async function scaleOut(options: ScaleOutOptions): Promise<ScaleOutFigures> {
  const { loki, lines, rate, batch, runId } = options;
  // Each line a millisecond after the one before, ending now-ish; unique and in order.
  const startMs = Date.now() - lines;
  const startNs = BigInt(startMs) * 1_000_000n;
  const entry = (seq: number): [string, string] => [String(BigInt(startMs + seq) * 1_000_000n), JSON.stringify({ seq, run: runId, event: "scale-out.line" })];
  let refusedPushes = 0;
  let command: Promise<{ exitCode: number | null; seconds: number }> | undefined;
  const queries = { sent: 0, failed: 0 };
  let streaming = true;
  const querying = (async () => {
    while (streaming) {
      queries.sent++;
      const params = new URLSearchParams({ query: `count_over_time({run="${runId}"}[1m])`, start: String(startNs), end: String(BigInt(Date.now()) * 1_000_000n), step: "15" });
      const ok = await fetch(`${loki}/loki/api/v1/query_range?${params}`).then((response) => response.ok, () => false);
      if (!ok) queries.failed++;
      await sleep(1000);
    }
  })();
  const began = Date.now();
  for (let first = 0; first < lines; first += batch) {
    if (options.run !== undefined && command === undefined && first + batch > options.at) command = runCommand(options.run);
    const seqs = Array.from({ length: Math.min(batch, lines - first) }, (_, i) => first + i);
    refusedPushes += await pushUntilTaken(loki, runId, seqs.map(entry));
    // Keep to the rate: the next batch is due when its first line is.
    await sleep(Math.max(0, began + ((first + batch) / rate) * 1000 - Date.now()));
  }
  const lastPush = Date.now();
  streaming = false;
  await querying;
  const endNs = BigInt(startMs + lines) * 1_000_000n;
  let seen: number[] = [];
  let catchUpSeconds: number | null = null;
  while (Date.now() - lastPush < options.settle * 1000) {
    seen = (await readBack(loki, runId, startNs, endNs)) ?? seen;
    if (tally(lines, seen).missing.length === 0) {
      catchUpSeconds = (Date.now() - lastPush) / 1000;
      break;
    }
    await sleep(2000);
  }
  return { lines, refusedPushes, ...tally(lines, seen), queries, catchUpSeconds, ...(command === undefined ? {} : { command: await command }) };
}

/** The figures as the README and the issue notes give them. */
export function describeFigures(figures: ScaleOutFigures): string {
  const missing = figures.missing.length === 0 ? "0" : `${figures.missing.length} (first: ${figures.missing.slice(0, 10).join(", ")})`;
  return [
    `lines sent ${figures.lines}, pushes refused and sent again ${figures.refusedPushes}`,
    `read back ${figures.readBack}, missing ${missing}, duplicates ${figures.duplicates}`,
    `queries during the stream ${figures.queries.sent}, failed ${figures.queries.failed}`,
    `every line readable ${figures.catchUpSeconds === null ? "never, within --settle" : `${figures.catchUpSeconds.toFixed(1)} s after the last push`}`,
    ...(figures.command === undefined ? [] : [`--run exited ${figures.command.exitCode} after ${figures.command.seconds.toFixed(1)} s`]),
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      loki: { type: "string" },
      lines: { type: "string", default: "3000" },
      rate: { type: "string", default: "100" },
      batch: { type: "string", default: "10" },
      at: { type: "string", default: "1000" },
      run: { type: "string" },
      settle: { type: "string", default: "120" },
    },
  });
  if (values.loki === undefined) throw new Error("--loki <url> is required: a test site's Loki or gateway, never a site in use");
  const figures = await scaleOut({
    loki: values.loki.replace(/\/$/, ""),
    lines: Number(values.lines),
    rate: Number(values.rate),
    batch: Number(values.batch),
    at: Number(values.at),
    ...(values.run === undefined ? {} : { run: values.run }),
    settle: Number(values.settle),
    runId: `scale-out-${Date.now()}`,
  });
  console.log(describeFigures(figures));
  process.exitCode = figures.missing.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 2;
  });
}
