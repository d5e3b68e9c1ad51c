/**
 * The scale-out proof's own mechanics (`scripts/proof/scale-out.ts`): its counting, its back-off,
 * and a run against a stand-in for Loki's push and query API in this process, which refuses some
 * pushes and can lose lines. The stand-in proves the script counts right; what a real Loki loses
 * only a run against one can tell.
 */
import * as http from "http";
import * as net from "net";
import { backoffMs, describeFigures, scaleOut, ScaleOutOptions, tally } from "../scripts/proof/scale-out";

describe("the scale-out proof's counting", () => {
  it("counts each line once, names the missing ones, and counts extra copies", () => {
    expect(tally(5, [0, 1, 1, 3, 3, 3])).toEqual({ readBack: 3, missing: [2, 4], duplicates: 3 });
    expect(tally(3, [2, 0, 1])).toEqual({ readBack: 3, missing: [], duplicates: 0 });
  });

  it("backs off from 0.5 s, doubling, to at most 5 s", () => {
    expect([0, 1, 2, 3, 4, 9].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });
});

/** A stand-in for Loki's push and query_range: it keeps what it takes, refuses the pushes `refuse` picks, and drops the lines `lose` picks. */
function standIn(refuse: (push: number) => boolean, lose: (seq: number) => boolean) {
  const stored: Array<[string, string]> = [];
  let pushes = 0;
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://stand-in");
      if (url.pathname === "/loki/api/v1/push") {
        if (refuse(pushes++)) {
          response.writeHead(503).end("not ready");
          return;
        }
        const { streams } = JSON.parse(body) as { streams: Array<{ values: Array<[string, string]> }> };
        for (const entry of streams.flatMap((stream) => stream.values)) if (!lose((JSON.parse(entry[1]) as { seq: number }).seq)) stored.push(entry);
        response.writeHead(204).end();
        return;
      }
      if (url.searchParams.get("query")?.startsWith("count_over_time")) {
        response.end(JSON.stringify({ data: { result: [] } }));
        return;
      }
      const start = BigInt(url.searchParams.get("start") ?? "0");
      const end = BigInt(url.searchParams.get("end") ?? "0");
      const limit = Number(url.searchParams.get("limit"));
      const values = stored.filter(([ts]) => BigInt(ts) >= start && BigInt(ts) <= end).sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1)).slice(0, limit);
      response.end(JSON.stringify({ data: { result: [{ stream: {}, values }] } }));
    });
  });
  return server;
}

async function runAgainst(server: http.Server, options: Partial<ScaleOutOptions>) {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    return await scaleOut({ loki: `http://127.0.0.1:${port}`, lines: 300, rate: 3000, batch: 10, at: 100, settle: 5, runId: "test", ...options });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("the scale-out proof against a stand-in for Loki", () => {
  it("sends refused batches again until taken, and finds every line", async () => {
    const figures = await runAgainst(
      standIn((push) => push % 4 === 3 && push < 20, () => false),
      { run: "true" },
    );
    expect(figures).toMatchObject({ lines: 300, readBack: 300, missing: [], duplicates: 0, command: { exitCode: 0 } });
    expect(figures.refusedPushes).toBe(5);
    expect(figures.catchUpSeconds).not.toBeNull();
    expect(describeFigures(figures)).toContain("missing 0, duplicates 0");
  }, 20000);

  it("names the lines a Loki took but lost, and says they never became readable", async () => {
    const figures = await runAgainst(
      standIn(() => false, (seq) => seq >= 120 && seq < 130),
      { settle: 1 },
    );
    expect(figures.missing).toEqual([120, 121, 122, 123, 124, 125, 126, 127, 128, 129]);
    expect(figures.catchUpSeconds).toBeNull();
    expect(describeFigures(figures)).toContain("missing 10 (first: 120, 121");
  }, 20000);

  it("reads back more lines than one query answers, page by page", async () => {
    const figures = await runAgainst(
      standIn(() => false, () => false),
      { lines: 12000, rate: 1_000_000, batch: 1000 },
    );
    expect(figures).toMatchObject({ readBack: 12000, missing: [], duplicates: 0 });
  }, 20000);
});
