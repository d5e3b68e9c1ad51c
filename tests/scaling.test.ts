/**
 * Loki's simple scalable mode: the settings, the config file every Loki container shares, the
 * gateway's nginx config, and the plan of containers, volumes and start order, as data.
 */
import * as YAML from "yaml";
import { parseSettings, Settings } from "../components/plan/settings";
import { filesystemDaysGoneOn } from "../components/plan/settings/scaling";
import { renderAlloyConfig } from "../components/plan/services/alloy";
import { GATEWAY_CONFIG, LOKI_CONFIG, lokiPlan, renderGatewayConfig, renderLokiConfig } from "../components/plan/services/loki";
import { resourceName } from "../components/plan/shared/spec";
import { lostLinesQuery, pipelineErrorsQuery } from "../components/plan/grafana/alerting";
import { planContainers, renderPlanFiles, stackPlan } from "../components/plan/stack";
import { PRODUCTION_BASE, PRODUCTION_SECRETS, S3_SECRETS, S3_STACK, AZURE_STACK, AZURE_SECRETS } from "./helpers/bad-settings";
import { configOf } from "./helpers/settings";
import { classifyContainers, Container } from "../scripts/preview/containers";

type Doc = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A production site on S3 with no lines left on the host's disk (a new site), in scalable mode with `values` on top. */
const scalable = (values: Record<string, string> = {}, base = S3_STACK, secrets = S3_SECRETS): Settings =>
  parseSettings(
    configOf({ ...PRODUCTION_BASE, ...base, lokiStorageSince: "2024-01-02", lokiMode: "scalable", ...values }, { ...PRODUCTION_SECRETS, ...secrets }),
    "prod",
    { now: new Date("2026-12-06T12:00:00Z") },
  );
const single = (values: Record<string, string> = {}): Settings =>
  parseSettings(configOf({ ...PRODUCTION_BASE, ...S3_STACK, lokiStorageSince: "2024-01-02", ...values }, { ...PRODUCTION_PASSWORD_AND_S3 }), "prod");
const PRODUCTION_PASSWORD_AND_S3 = { ...PRODUCTION_SECRETS, ...S3_SECRETS };

const names = (settings: Settings) => lokiPlan(settings).nodes.map((node) => node.spec.name);

describe("the scale-out settings", () => {
  it("default to one Loki, and to three writers with three copies of each line when scalable", () => {
    expect(single()).toMatchObject({ lokiMode: "single", lokiWriteReplicas: 3, lokiReplicationFactor: 3 });
    expect(scalable()).toMatchObject({ lokiMode: "scalable", lokiWriteReplicas: 3, lokiReplicationFactor: 3 });
  });

  it("give fewer writers as many copies as there are writers, unless told otherwise", () => {
    expect(scalable({ lokiWriteReplicas: "2" }).lokiReplicationFactor).toBe(2);
    expect(scalable({ lokiWriteReplicas: "5" }).lokiReplicationFactor).toBe(3);
    expect(scalable({ lokiWriteReplicas: "3", lokiReplicationFactor: "2" }).lokiReplicationFactor).toBe(2);
  });

  it("let a single Loki carry the scale-out numbers at their defaults, as Pulumi.yaml declares them for every stack", () => {
    expect(() => single({ lokiWriteReplicas: "3" })).not.toThrow();
  });

  it("date the end of the host's disk from the day the store began and the retention, plus a day for the compactor", () => {
    expect(filesystemDaysGoneOn("2026-12-10", "720h")).toBe("2027-01-10");
    expect(filesystemDaysGoneOn("2026-12-10", "24h")).toBe("2026-12-12");
  });

  it("let a moved site go scalable on the day its disk's lines are gone, not the day before", () => {
    const at = (day: string) => () =>
      parseSettings(
        configOf({ ...PRODUCTION_BASE, ...S3_STACK, lokiMode: "scalable" }, PRODUCTION_PASSWORD_AND_S3),
        "prod",
        { now: new Date(`${day}T00:00:00Z`) },
      );
    expect(at("2027-01-09")).toThrow(/keep `lokiMode: single` until 2027-01-10/);
    expect(at("2027-01-10")).not.toThrow();
  });
});

describe("a scalable Loki's containers", () => {
  const settings = scalable();
  const plan = lokiPlan(settings);
  const node = (name: string) => plan.nodes.find((candidate) => candidate.spec.name === name)!;

  it("are the writers, the backend, two readers and the gateway, in start order", () => {
    expect(names(settings)).toEqual([
      "leeds-loki-write-1",
      "leeds-loki-write-2",
      "leeds-loki-write-3",
      "leeds-loki-backend",
      "leeds-loki-read-1",
      "leeds-loki-read-2",
      "leeds-loki-gateway",
    ]);
    expect(names(scalable({ lokiWriteReplicas: "5" })).filter((name) => name.includes("write"))).toHaveLength(5);
  });

  it("run Loki with their own -target and the one config file, which reads the store's key from the environment", () => {
    const targets = plan.nodes.slice(0, -1).map((each) => each.spec.command);
    for (const command of targets) expect(command.slice(0, 2)).toEqual([`-config.file=${LOKI_CONFIG.path}`, "-config.expand-env=true"]);
    expect(targets.map((command) => command[2])).toEqual(["-target=write", "-target=write", "-target=write", "-target=backend", "-target=read", "-target=read"]);
    const configs = new Set(plan.nodes.slice(0, -1).map((each) => each.spec.uploads[0].content));
    expect(configs.size).toBe(1);
  });

  it("share an alias per role on the logging network, so the gateway reaches every writer and reader by one name", () => {
    expect(plan.nodes.map((each) => each.spec.service)).toEqual(["loki-write", "loki-write", "loki-write", "loki-backend", "loki-read", "loki-read", "loki-gateway"]);
    for (const each of plan.nodes) expect(each.spec.networks).toEqual(["leeds-logging"]);
  });

  it("give the first writer the single Loki's place in the program and its volume, so a moved site replays the single Loki's write-ahead log", () => {
    const before = lokiPlan(single()).nodes[0];
    const first = plan.nodes[0];
    expect(resourceName(first.spec)).toBe(resourceName(before.spec));
    expect(first.data).toEqual(before.data);
    expect(first.spec.mounts).toEqual(before.spec.mounts);
  });

  it("keep a volume for each writer and the backend, none for the readers, and every program name unique", () => {
    expect(plan.nodes.map((each) => each.data?.hostPath ?? null)).toEqual([
      "/opt/flip/volumes/loki",
      "/opt/flip/volumes/loki-write-2",
      "/opt/flip/volumes/loki-write-3",
      "/opt/flip/volumes/loki-backend",
      null,
      null,
      null,
    ]);
    const programNames = plan.nodes.map((each) => resourceName(each.spec));
    expect(new Set(programNames).size).toBe(programNames.length);
    const volumeNames = plan.nodes.flatMap((each) => (each.data ? [each.data.service] : []));
    expect(new Set(volumeNames).size).toBe(volumeNames.length);
  });

  it("publish only the gateway, on lokiPort and lokiBindAddress where the single Loki was", () => {
    const published = plan.nodes.filter((each) => each.spec.ports.length > 0);
    expect(published.map((each) => each.spec.name)).toEqual(["leeds-loki-gateway"]);
    expect(published[0].spec.ports).toEqual(lokiPlan(single()).nodes[0].spec.ports);
  });

  it("start the readers after the backend, whose query scheduler they need to be ready, and the gateway last", () => {
    expect(node("leeds-loki-read-1").after).toEqual(["loki-backend"]);
    expect(node("leeds-loki-write-2").after).toEqual([]);
    expect(node("leeds-loki-gateway").after).toEqual(plan.nodes.slice(0, -1).map((each) => resourceName(each.spec)));
  });

  it("check each Loki's /ready, and the gateway's own page, so a Loki restart does not mark the gateway unhealthy", () => {
    for (const each of plan.nodes.slice(0, -1)) expect(each.spec.healthcheck?.test.at(-1)).toBe("http://127.0.0.1:3100/ready");
    expect(node("leeds-loki-gateway").spec.healthcheck?.test.at(-1)).toBe("http://127.0.0.1:3100/gateway/ready");
  });

  it("run locked down: Loki as 10001, nginx as 101, no capabilities", () => {
    for (const each of plan.nodes) expect(each.spec.capabilities).toEqual({ drop: ["ALL"], add: [] });
    expect(node("leeds-loki-gateway").spec).toMatchObject({ user: "101:101", image: "nginxinc/nginx-unprivileged:1.27.3-alpine" });
    expect(node("leeds-loki-read-2").spec.user).toBe("10001:10001");
  });
});

describe("the config file of a scalable Loki", () => {
  const config: Doc = YAML.parse(renderLokiConfig(scalable({ lokiReplicationFactor: "2" })));

  it("joins every Loki container by memberlist on Loki's default port, and puts every ring there", () => {
    expect(config.memberlist).toEqual({
      join_members: [1, 2, 3].map((n) => `leeds-loki-write-${n}:7946`).concat(["leeds-loki-backend:7946", "leeds-loki-read-1:7946", "leeds-loki-read-2:7946"]),
      bind_port: 7946,
    });
    expect(config.common.ring).toEqual({ kvstore: { store: "memberlist" } });
  });

  it("replicates as set, sends deletes to the backend's compactor, and lets each container advertise its own address", () => {
    expect(config.common.replication_factor).toBe(2);
    expect(config.common.compactor_address).toBe("http://leeds-loki-backend:3100");
    expect(config.common.instance_addr).toBeUndefined();
  });

  it("keeps the store, schema, retention and limits of a single Loki on the same store", () => {
    const same: Doc = YAML.parse(renderLokiConfig(single()));
    for (const key of ["storage_config", "schema_config", "limits_config", "compactor", "query_range", "querier"]) expect(config[key]).toEqual(same[key]);
    expect(config.common.storage).toEqual(same.common.storage);
  });

  it("keeps a single Loki's config as it was", () => {
    const same: Doc = YAML.parse(renderLokiConfig(single()));
    expect(same.common).toMatchObject({ instance_addr: "127.0.0.1", replication_factor: 1, ring: { kvstore: { store: "inmemory" } } });
    expect(same.memberlist).toBeUndefined();
    expect(renderLokiConfig(single()).split("\n")[0]).toContain("a single process");
  });

  it("runs on Azure Blob the same way", () => {
    const azure: Doc = YAML.parse(renderLokiConfig(scalable({}, AZURE_STACK, AZURE_SECRETS)));
    expect(Object.keys(azure.common.storage)).toEqual(["azure"]);
    expect(azure.memberlist.join_members).toHaveLength(6);
  });
});

describe("the gateway's nginx config", () => {
  const text = renderGatewayConfig();
  const location = (path: string) => new RegExp(`location ${path.replace(/[/.^~=]/g, (c) => `\\${c}`)} \\{\\s+proxy_pass \\$(\\w+)\\$request_uri;`).exec(text)?.[1];

  it("sends pushes to the writers, deletes to the backend, tails and everything else to the readers", () => {
    expect(location("= /loki/api/v1/push")).toBe("write");
    expect(location("= /api/prom/push")).toBe("write");
    expect(location("= /otlp/v1/logs")).toBe("write");
    expect(location("^~ /loki/api/v1/delete")).toBe("backend");
    expect(location("^~ /loki/api/v1/tail")).toBe("read");
    expect(location("/")).toBe("read");
    expect(text).toContain("set $write http://loki-write:3100;");
    expect(text).toContain("set $read http://loki-read:3100;");
    expect(text).toContain("set $backend http://loki-backend:3100;");
  });

  it("looks Loki's containers up per request through Docker's DNS, and writes only under /tmp", () => {
    expect(text).toContain("resolver 127.0.0.11 valid=5s ipv6=off;");
    for (const line of text.split("\n").filter((each) => /_path |^pid /.test(each.trim()))) expect(line).toMatch(/ \/tmp\//);
  });

  it("is the same file on every site", () => {
    const other = lokiPlan(scalable({ siteName: "york" })).nodes.at(-1)!.spec.uploads;
    expect(other).toEqual([{ ...GATEWAY_CONFIG, content: text }]);
  });
});

describe("the rest of a scalable site", () => {
  const settings = scalable();

  it("pushes and queries through the gateway", () => {
    expect(renderAlloyConfig(settings)).toMatch(/url += "http:\/\/leeds-loki-gateway:3100\/loki\/api\/v1\/push"/);
    const files = renderPlanFiles(stackPlan(settings));
    expect(files["grafana/provisioning/datasources/loki.yml"]).toContain("url: http://leeds-loki-gateway:3100");
  });

  it("watches the writers', readers' and backend's own lines for lost lines and errors", () => {
    for (const query of [lostLinesQuery(settings), pipelineErrorsQuery(settings)]) {
      expect(query).toContain('service=~"loki-write|loki-read|loki-backend|alloy"');
    }
    expect(lostLinesQuery(single())).toContain('service=~"loki|alloy"');
  });

  it("renders containers.json with every Loki container and no secret", () => {
    const files = renderPlanFiles(stackPlan(settings));
    const described = JSON.parse(files["containers.json"]);
    expect(described.map((spec: Doc) => spec.name).slice(0, 7)).toEqual(names(settings));
    expect(Object.values(files).join("\n")).not.toContain(S3_SECRETS.lokiS3SecretAccessKey);
    expect(Object.keys(files)).toContain(GATEWAY_CONFIG.file);
  });

  it("changes only Loki, Alloy and Grafana when a site moves to scalable mode", () => {
    const before = planContainers(stackPlan(single()));
    const after = planContainers(stackPlan(settings));
    const unchanged = (spec: (typeof after)[number]) => before.some((old) => JSON.stringify(old) === JSON.stringify(spec));
    expect(after.filter((spec) => !unchanged(spec)).map((spec) => spec.service)).toEqual([
      "loki-write",
      "loki-write",
      "loki-write",
      "loki-backend",
      "loki-read",
      "loki-read",
      "loki-gateway",
      "alloy",
      "grafana",
    ]);
  });

  it("is byte-identical for the same settings", () => {
    expect(renderPlanFiles(stackPlan(scalable()))).toEqual(renderPlanFiles(stackPlan(settings)));
  });
});

describe("a scalable Loki on other Docker hosts (lokiHosts)", () => {
  const HOSTS = '["ssh://flip@10.20.0.11", "ssh://flip@10.20.0.12", "ssh://flip@10.20.0.13:2222"]';
  const settings = scalable({ lokiHosts: HOSTS });
  const plan = lokiPlan(settings);
  const node = (name: string) => plan.nodes.find((candidate) => candidate.spec.name === name)!;
  const hostOf = (name: string) => node(name).spec.host?.host ?? "site";
  const config: Doc = YAML.parse(renderLokiConfig(settings));

  it("reads each host as the Docker provider and the SSH commands need it", () => {
    expect(settings.lokiHosts).toEqual([
      { kind: "ssh", address: "ssh://flip@10.20.0.11", user: "flip", host: "10.20.0.11", port: 22 },
      { kind: "ssh", address: "ssh://flip@10.20.0.12", user: "flip", host: "10.20.0.12", port: 22 },
      { kind: "ssh", address: "ssh://flip@10.20.0.13:2222", user: "flip", host: "10.20.0.13", port: 2222 },
    ]);
    expect(scalable().lokiHosts).toEqual([]);
  });

  it("spreads the writers over the hosts, puts the backend on the first and the two readers on different hosts", () => {
    expect(plan.nodes.map((each) => [each.spec.name, hostOf(each.spec.name)])).toEqual([
      ["leeds-loki-write-1", "10.20.0.11"],
      ["leeds-loki-write-2", "10.20.0.12"],
      ["leeds-loki-write-3", "10.20.0.13"],
      ["leeds-loki-backend", "10.20.0.11"],
      ["leeds-loki-read-1", "10.20.0.12"],
      ["leeds-loki-read-2", "10.20.0.13"],
      ["leeds-loki-gateway", "site"],
    ]);
    const two = lokiPlan(scalable({ lokiHosts: '["ssh://flip@10.20.0.11", "ssh://flip@10.20.0.12"]', lokiWriteReplicas: "5" }));
    expect(two.nodes.slice(0, -1).map((each) => each.spec.host?.host.slice(-1))).toEqual(["1", "2", "1", "2", "1", "1", "2", "1"]);
  });

  it("gives each Loki container its own ports, published on its host's address only, and checks /ready on its own HTTP port", () => {
    expect(node("leeds-loki-write-2").spec.ports).toEqual([
      { internal: 3102, external: 3102, ip: "10.20.0.12" },
      { internal: 9098, external: 9098, ip: "10.20.0.12" },
      { internal: 7948, external: 7948, ip: "10.20.0.12" },
    ]);
    expect(node("leeds-loki-backend").spec.ports.map((port) => port.external)).toEqual([3110, 9106, 7956]);
    expect(node("leeds-loki-read-2").spec.ports.map((port) => port.external)).toEqual([3112, 9108, 7958]);
    expect(node("leeds-loki-read-2").spec.healthcheck?.test.at(-1)).toBe("http://127.0.0.1:3112/ready");
    const published = plan.nodes.flatMap((each) => each.spec.ports.map((port) => `${port.ip}:${port.external}`));
    expect(new Set(published).size).toBe(published.length);
  });

  it("listens on those ports and advertises its host's address, from flags and one environment variable, so every container shares one config file", () => {
    expect(node("leeds-loki-read-1").spec.command.slice(2)).toEqual([
      "-target=read",
      "-server.http-listen-port=3111",
      "-server.grpc-listen-port=9107",
      "-memberlist.bind-port=7957",
      "-memberlist.advertise-port=7957",
    ]);
    expect(node("leeds-loki-read-1").spec.env).toMatchObject({ LOKI_INSTANCE_ADDR: "10.20.0.12" });
    expect(config.common.instance_addr).toBe("${LOKI_INSTANCE_ADDR}");
    expect(new Set(plan.nodes.slice(0, -1).map((each) => each.spec.uploads[0].content)).size).toBe(1);
  });

  it("joins every container by its host's address and memberlist port, and sends deletes to the backend's", () => {
    expect(config.memberlist.join_members).toEqual(["10.20.0.11:7947", "10.20.0.12:7948", "10.20.0.13:7949", "10.20.0.11:7956", "10.20.0.12:7957", "10.20.0.13:7958"]);
    expect(config.common.compactor_address).toBe("http://10.20.0.11:3110");
    expect(renderLokiConfig(settings).split("\n")[0]).toContain("on 3 Docker hosts");
  });

  it("keeps the Loki containers off the site's logging network, and the gateway on it, where Alloy and Grafana reach it", () => {
    for (const each of plan.nodes.slice(0, -1)) expect(each.spec.networks).toEqual([]);
    expect(node("leeds-loki-gateway").spec).toMatchObject({ networks: ["leeds-logging"], ports: lokiPlan(single()).nodes[0].spec.ports });
    expect(node("leeds-loki-gateway").spec.host).toBeUndefined();
  });

  it("gives the first writer a volume of its own on its host, keeping its place in the program", () => {
    expect(resourceName(node("leeds-loki-write-1").spec)).toBe("loki");
    expect(plan.nodes.map((each) => each.data?.hostPath ?? null).slice(0, 4)).toEqual([
      "/opt/flip/volumes/loki-write-1",
      "/opt/flip/volumes/loki-write-2",
      "/opt/flip/volumes/loki-write-3",
      "/opt/flip/volumes/loki-backend",
    ]);
  });

  it("routes the gateway through an upstream group per role, by address, with the same routes as on one host", () => {
    const text = renderGatewayConfig(null);
    const spread = node("leeds-loki-gateway").spec.uploads[0].content;
    expect(spread).toContain(
      [
        "  upstream loki_write {",
        "    server 10.20.0.11:3101 max_fails=1 fail_timeout=10s;",
        "    server 10.20.0.12:3102 max_fails=1 fail_timeout=10s;",
        "    server 10.20.0.13:3103 max_fails=1 fail_timeout=10s;",
        "    keepalive 8;",
        "  }",
      ].join("\n"),
    );
    expect(spread).toContain("upstream loki_read {\n    server 10.20.0.12:3111 max_fails=1 fail_timeout=10s;\n    server 10.20.0.13:3112");
    expect(spread).toContain("upstream loki_backend {\n    server 10.20.0.11:3110 max_fails=1 fail_timeout=10s;");
    expect(spread).not.toContain("resolver");
    for (const role of ["write", "read", "backend"]) expect(spread).toContain(`set $${role} http://loki_${role};`);
    const locations = (conf: string) => conf.split("\n").filter((line) => /location|proxy_pass/.test(line));
    expect(locations(spread)).toEqual(locations(text));
  });

  it("is refused in single mode, and leaves a site on one host as it was", () => {
    expect(() => single({ lokiHosts: HOSTS })).toThrow(/`lokiHosts` is set, but it is used only with `lokiMode: scalable`/);
    expect(lokiPlan(scalable()).nodes.every((each) => each.spec.host === undefined)).toBe(true);
  });
});

describe("a scalable Loki's writers", () => {
  it("flush their chunks to the store when they stop, and get the time to do it, so a writer that moves or goes leaves no lines in a log nobody replays", () => {
    for (const settings of [scalable(), scalable({ lokiHosts: '["ssh://flip@10.20.0.11"]' })]) {
      const nodes = lokiPlan(settings).nodes;
      const writers = nodes.filter((each) => each.spec.service === "loki-write");
      expect(writers).toHaveLength(3);
      for (const writer of writers) expect(writer.spec).toMatchObject({ stopGracePeriodSeconds: 120 });
      for (const writer of writers) expect(writer.spec.command).toContain("-ingester.flush-on-shutdown=true");
      for (const other of nodes.filter((each) => each.spec.service !== "loki-write")) expect(other.spec.command).not.toContain("-ingester.flush-on-shutdown=true");
    }
    expect(lokiPlan(single()).nodes[0].spec).toMatchObject({ stopGracePeriodSeconds: 60 });
  });
});

describe("moving a scalable site onto lokiHosts, as the pull request's preview shows it", () => {
  const rendered = (settings: Settings) => JSON.parse(renderPlanFiles(stackPlan(settings))["containers.json"]) as Container[];
  const changes = classifyContainers(rendered(scalable()), rendered(scalable({ lokiHosts: '["ssh://flip@10.20.0.11", "ssh://flip@10.20.0.12", "ssh://flip@10.20.0.13"]' })));

  it("replaces every Loki container, each for its new host, and leaves Alloy, Grafana and the APIs alone", () => {
    expect(changes.replaced.map((each) => each.name)).toEqual([
      "leeds-loki-backend",
      "leeds-loki-gateway",
      "leeds-loki-read-1",
      "leeds-loki-read-2",
      "leeds-loki-write-1",
      "leeds-loki-write-2",
      "leeds-loki-write-3",
    ]);
    expect(changes.replaced.find((each) => each.name === "leeds-loki-write-2")?.changedKeys).toEqual(
      expect.arrayContaining(["host", "command", "env", "ports", "networks", "uploads", "healthcheck"]),
    );
    expect(changes.replaced.find((each) => each.name === "leeds-loki-gateway")?.changedKeys).toEqual(["uploads"]);
    expect([...changes.updated, ...changes.created, ...changes.deleted]).toEqual([]);
  });
});
