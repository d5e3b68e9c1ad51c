/**
 * The gateway's rendered nginx config, run by a real nginx (Debian's): `nginx -t` accepts it, and
 * with Loki's roles stood in for by local HTTP servers, each request reaches the role the config
 * says. Only the addresses are changed for the run: Docker's DNS names become loopback ports.
 * Needs `nginx` on PATH (Debian's `nginx-light`); `.ci/run` installs it and sets
 * FLIP_REQUIRE_NGINX=1, so there a missing nginx fails instead of skipping.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { renderGatewayConfig } from "../components/plan/services/loki";

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

describeWithNginx("the gateway's config in a real nginx", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flip-gateway-"));
  // nginx started as root runs its workers as nobody, who buffers large bodies under the temp paths.
  fs.chmodSync(dir, 0o777);
  const seen: Seen[] = [];
  const servers: http.Server[] = [];
  let gateway: ChildProcess | undefined;
  let gatewayPort = 0;

  /** The rendered config with Docker's names and /tmp paths replaced by loopback ports and the test's folder. */
  const localConfig = (ports: Record<string, number>, listen: number) => {
    let text = renderGatewayConfig();
    for (const [role, port] of Object.entries(ports)) text = text.replace(`http://loki-${role}:3100;`, `http://127.0.0.1:${port};`);
    return text.replace(/\/tmp\//g, `${dir}/`).replace("listen 3100;", `listen 127.0.0.1:${listen};`);
  };

  beforeAll(async () => {
    const ports: Record<string, number> = {};
    for (const role of ["write", "read", "backend"]) {
      const server = http.createServer((request, response) => {
        let bytes = 0;
        request.on("data", (chunk: Buffer) => (bytes += chunk.length));
        request.on("end", () => {
          seen.push({ role, method: request.method ?? "", url: request.url ?? "", upgrade: request.headers.upgrade, bytes });
          response.end(role);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      ports[role] = (server.address() as net.AddressInfo).port;
      servers.push(server);
    }
    gatewayPort = await freePort();
    fs.writeFileSync(path.join(dir, "nginx.conf"), localConfig(ports, gatewayPort));
    gateway = spawn(nginx as string, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", "/dev/stderr", "-g", "daemon off;"], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(gatewayPort, "127.0.0.1", () => (socket.end(), resolve(true)));
        socket.on("error", () => resolve(false));
      });
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("nginx did not start on the rendered gateway config");
  });

  afterAll(async () => {
    gateway?.kill("SIGQUIT");
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Sends one request through the gateway; the stand-in that answered, and the status. */
  const send = (method: string, url: string, body = "", headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request({ host: "127.0.0.1", port: gatewayPort, method, path: url, headers }, (response) => {
        let text = "";
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
      });
      request.on("error", reject);
      request.end(body);
    });

  it("passes nginx -t as rendered, Docker's names and all", () => {
    const file = path.join(dir, "as-rendered.conf");
    fs.writeFileSync(file, renderGatewayConfig().replace(/\/tmp\//g, `${dir}/`));
    // In a container /dev/stderr is Docker's log pipe; here a file stands in (a socket, as Node's pipes are, cannot be opened by name).
    const errors = path.join(dir, "nginx-t.log");
    const log = fs.openSync(errors, "w");
    try {
      execFileSync(nginx as string, ["-t", "-p", dir, "-c", file, "-e", "/dev/stderr"], { stdio: ["ignore", log, log] });
    } finally {
      fs.closeSync(log);
    }
    expect(fs.readFileSync(errors, "utf8")).toMatch(/syntax is ok[\s\S]*test is successful/);
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
    const answer = await send(method, url, method === "POST" ? "x" : "");
    expect(answer).toEqual({ status: 200, text: role });
    expect(seen.at(-1)).toMatchObject({ role, method, url });
  });

  it("answers its own health page without asking Loki", async () => {
    const before = seen.length;
    expect(await send("GET", "/gateway/ready")).toEqual({ status: 200, text: "ready\n" });
    expect(seen).toHaveLength(before);
  });

  it("passes a live tail's WebSocket upgrade on to a reader", async () => {
    await send("GET", "/loki/api/v1/tail?query=%7Bapi%3D%22x%22%7D", "", { Connection: "Upgrade", Upgrade: "websocket" });
    expect(seen.at(-1)).toMatchObject({ role: "read", upgrade: "websocket" });
  });

  it("takes a 4 MiB push, larger than any batch Alloy sends", async () => {
    const body = "x".repeat(4 * 1024 * 1024);
    expect(await send("POST", "/loki/api/v1/push", body)).toEqual({ status: 200, text: "write" });
    expect(seen.at(-1)).toMatchObject({ role: "write", bytes: body.length });
  });
});
