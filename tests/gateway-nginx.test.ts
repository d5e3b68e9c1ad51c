/**
 * The gateway's rendered nginx config, run by a real nginx (Debian's): `nginx -t` accepts it, and
 * with Loki's roles stood in for by local HTTP servers, each request reaches the role the config
 * says. Only the addresses are changed for the run: Docker's DNS names become loopback ports. The
 * config of a Loki spread over `lokiHosts` is rendered with loopback addresses for its upstream
 * groups, and a writer or reader that is gone is shown to cost no request.
 * Needs `nginx` on PATH (Debian's `nginx-light`); `.ci/run` installs it and sets
 * FLIP_REQUIRE_NGINX=1, so there a missing nginx fails instead of skipping.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { GatewayUpstreams, renderGatewayConfig } from "../components/plan/services/loki";

function findNginx(): string | undefined {
  for (const candidate of ["/usr/sbin/nginx", "/usr/bin/nginx"]) if (fs.existsSync(candidate)) return candidate;
  return undefined;
}

const nginx = findNginx();
if (nginx === undefined && process.env.FLIP_REQUIRE_NGINX === "1") {
  throw new Error("nginx is not installed: apt-get install nginx-light");
}
const describeWithNginx = nginx === undefined ? describe.skip : describe;

/** A free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What a stand-in Loki role saw: method, URL and the headers that matter to the gateway. */
interface Seen {
  role: string;
  method: string;
  url: string;
  upgrade?: string;
  bytes: number;
}

/** One stand-in Loki container: it answers every request with its role and records what it saw. */
async function standIn(role: string, seen: Seen[]): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    let bytes = 0;
    request.on("data", (chunk: Buffer) => (bytes += chunk.length));
    request.on("end", () => {
      seen.push({ role, method: request.method ?? "", url: request.url ?? "", upgrade: request.headers.upgrade, bytes });
      response.end(role);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const portOf = (server: http.Server) => (server.address() as net.AddressInfo).port;

/** A folder for one nginx, writable by the workers nginx started as root runs as nobody, who buffer large bodies under the temp paths. */
function nginxFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flip-gateway-"));
  fs.chmodSync(dir, 0o777);
  return dir;
}

/** A rendered config run from `dir`: its /tmp paths in the folder, listening on a loopback port. */
function inFolder(text: string, dir: string, listen?: number): string {
  const moved = text.replace(/\/tmp\//g, `${dir}/`);
  return listen === undefined ? moved : moved.replace("listen 3100;", `listen 127.0.0.1:${listen};`);
}

/** What `nginx -t` says of a config. In a container /dev/stderr is Docker's log pipe; here a file stands in (a socket, as Node's pipes are, cannot be opened by name). */
function nginxTest(dir: string, text: string): string {
  const file = path.join(dir, "as-rendered.conf");
  fs.writeFileSync(file, text);
  const errors = path.join(dir, "nginx-t.log");
  const log = fs.openSync(errors, "w");
  try {
    execFileSync(nginx as string, ["-t", "-p", dir, "-c", file, "-e", "/dev/stderr"], { stdio: ["ignore", log, log] });
  } finally {
    fs.closeSync(log);
  }
  return fs.readFileSync(errors, "utf8");
}

/** Starts nginx on a config and waits until it accepts connections on `port`. */
async function startNginx(dir: string, text: string, port: number): Promise<ChildProcess> {
  fs.writeFileSync(path.join(dir, "nginx.conf"), text);
  const child = spawn(nginx as string, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", "/dev/stderr", "-g", "daemon off;"], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => (socket.end(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("nginx did not start on the rendered gateway config");
}

/** Sends one request through a gateway on `port`; the stand-in that answered, and the status. */
function send(port: number, method: string, url: string, body = "", headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path: url, headers }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describeWithNginx("the gateway's config in a real nginx", () => {
  const dir = nginxFolder();
  const seen: Seen[] = [];
  const servers: http.Server[] = [];
  let gateway: ChildProcess | undefined;
  let gatewayPort = 0;

  beforeAll(async () => {
    let text = renderGatewayConfig();
    for (const role of ["write", "read", "backend"]) {
      const server = await standIn(role, seen);
      servers.push(server);
      // Docker's names become the stand-ins' loopback ports.
      text = text.replace(`http://loki-${role}:3100;`, `http://127.0.0.1:${portOf(server)};`);
    }
    gatewayPort = await freePort();
    gateway = await startNginx(dir, inFolder(text, dir, gatewayPort), gatewayPort);
  });

  afterAll(async () => {
    gateway?.kill("SIGQUIT");
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("passes nginx -t as rendered, Docker's names and all", () => {
    expect(nginxTest(dir, inFolder(renderGatewayConfig(), dir))).toMatch(/syntax is ok[\s\S]*test is successful/);
  });
  it.each([
    ["POST", "/loki/api/v1/push", "write"],
    ["POST", "/api/prom/push", "write"],
    ["POST", "/otlp/v1/logs", "write"],
    ["GET", "/loki/api/v1/query_range?query=%7Bapi%3D%22trust-api%22%7D&step=60", "read"],
    ["GET", "/loki/api/v1/labels", "read"],
    ["GET", "/ready", "read"],
    ["POST", "/loki/api/v1/delete?query=%7Bapi%3D%22x%22%7D&start=1", "backend"],
    ["GET", "/loki/api/v1/delete", "backend"],
  ])("sends %s %s to the %s role, with its query string", async (method, url, role) => {
    const answer = await send(gatewayPort, method, url, method === "POST" ? "x" : "");
    expect(answer).toEqual({ status: 200, text: role });
    expect(seen.at(-1)).toMatchObject({ role, method, url });
  });

  it("answers its own health page without asking Loki", async () => {
    const before = seen.length;
    expect(await send(gatewayPort, "GET", "/gateway/ready")).toEqual({ status: 200, text: "ready\n" });
    expect(seen).toHaveLength(before);
  });

  it("passes a live tail's WebSocket upgrade on to a reader", async () => {
    await send(gatewayPort, "GET", "/loki/api/v1/tail?query=%7Bapi%3D%22x%22%7D", "", { Connection: "Upgrade", Upgrade: "websocket" });
    expect(seen.at(-1)).toMatchObject({ role: "read", upgrade: "websocket" });
  });

  it("takes a 4 MiB push, larger than any batch Alloy sends", async () => {
    const body = "x".repeat(4 * 1024 * 1024);
    expect(await send(gatewayPort, "POST", "/loki/api/v1/push", body)).toEqual({ status: 200, text: "write" });
    expect(seen.at(-1)).toMatchObject({ role: "write", bytes: body.length });
  });
});

describeWithNginx("the gateway's config for a Loki on lokiHosts, in a real nginx", () => {
  const dir = nginxFolder();
  const seen: Seen[] = [];
  const servers: Record<string, http.Server> = {};
  let gateway: ChildProcess | undefined;
  let gatewayPort = 0;
  let goneWriter = 0;

  beforeAll(async () => {
    for (const name of ["write-1", "write-2", "read-1", "read-2", "backend"]) servers[name] = await standIn(name, seen);
    // A third writer whose host is down: nothing listens on its port.
    goneWriter = await freePort();
    const address = (name: string) => `127.0.0.1:${portOf(servers[name])}`;
    const upstreams: GatewayUpstreams = {
      write: [address("write-1"), `127.0.0.1:${goneWriter}`, address("write-2")],
      read: [address("read-1"), address("read-2")],
      backend: [address("backend")],
    };
    gatewayPort = await freePort();
    gateway = await startNginx(dir, inFolder(renderGatewayConfig(upstreams), dir, gatewayPort), gatewayPort);
  });

  afterAll(async () => {
    gateway?.kill("SIGQUIT");
    for (const server of Object.values(servers)) if (server.listening) await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("passes nginx -t as a site renders it, with its hosts' addresses", () => {
    const site = renderGatewayConfig({ write: ["10.20.0.11:3101", "10.20.0.12:3102"], read: ["10.20.0.12:3111", "10.20.0.11:3112"], backend: ["10.20.0.11:3110"] });
    expect(nginxTest(dir, inFolder(site, dir))).toMatch(/syntax is ok[\s\S]*test is successful/);
  });

  it("routes each call to its role's group", async () => {
    const roleOf = async (method: string, url: string) => (await send(gatewayPort, method, url, method === "POST" ? "x" : "")).text.split("-")[0];
    expect(await roleOf("POST", "/loki/api/v1/push")).toBe("write");
    expect(await roleOf("GET", "/loki/api/v1/labels")).toBe("read");
    expect(await roleOf("POST", "/loki/api/v1/delete?query=%7Bapi%3D%22x%22%7D&start=1")).toBe("backend");
  });

  it("loses no push to a writer whose host is down, and spreads them over the writers that are up", async () => {
    const before = seen.length;
    const answers = [];
    for (let i = 0; i < 60; i++) answers.push(await send(gatewayPort, "POST", "/loki/api/v1/push", `line ${i}`));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const writers = seen.slice(before).map((each) => each.role);
    expect(writers).toHaveLength(60);
    expect(new Set(writers)).toEqual(new Set(["write-1", "write-2"]));
  });

  it("keeps answering queries when one reader stops", async () => {
    await new Promise((resolve) => servers["read-1"].close(resolve));
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await send(gatewayPort, "GET", `/loki/api/v1/query_range?query=%7Bapi%3D%22trust-api%22%7D&n=${i}`));
    expect(answers.map((answer) => `${answer.status} ${answer.text}`)).toEqual(Array(20).fill("200 read-2"));
  });
});
