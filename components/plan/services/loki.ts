/**
 * Grafana Loki: log storage for the site. Its config file and its containers, as data: one Loki
 * process (`lokiMode: single`), or Loki's simple scalable mode, where writers, readers and a
 * backend run the same config file with their own `-target`, behind an nginx gateway.
 */
import type { Settings } from "../settings";
import { lokiContainerNumbers, lokiHostPorts, READ_REPLICAS } from "../settings/scaling";
import type { SshDockerHost } from "../settings/core";
import { containerName, dataMount, dataVolume, LOKI_HTTP_PORT, loggingNetworkName, stackLabels } from "../shared/names";
import { ContainerSpec, DataVolume, HealthcheckSpec, lockedDown, resourceName } from "../shared/spec";
import { renderTemplate } from "../shared/templates";
import type { SecretValue } from "../settings/secrets";

/** The settings Loki's container and config are made from, and no others. */
export const LOKI_SETTING_KEYS = [
  "siteName",
  "volumeRoot",
  "images",
  "lokiPort",
  "lokiBindAddress",
  "restartPolicy",
  "retentionPeriod",
  "lokiStorage",
  "lokiStorageSince",
  "lokiS3Endpoint",
  "lokiS3Bucket",
  "lokiS3Region",
  "lokiS3AccessKeyId",
  "lokiS3SecretAccessKey",
  "lokiS3PathStyle",
  "lokiAzureAccount",
  "lokiAzureContainer",
  "lokiAzureAccountKey",
  "lokiAzureEndpointSuffix",
  "lokiMode",
  "lokiWriteReplicas",
  "lokiReplicationFactor",
  "lokiHosts",
] as const;
/** Loki's part of the settings. */
export type LokiSettings = Pick<Settings, (typeof LOKI_SETTING_KEYS)[number]>;

/** Where the config file lives, in the render output and in the container. */
export const LOKI_CONFIG = { file: "loki/loki-config.yml", path: "/etc/loki/loki-config.yml" };
/** uid and gid the Loki image runs as. */
export const LOKI_UID = 10001;

/** The environment variables that carry an object store's secret key into Loki's config (`-config.expand-env`). */
export const LOKI_SECRET_ENV = { s3: "LOKI_S3_SECRET_ACCESS_KEY", azure: "LOKI_AZURE_ACCOUNT_KEY" } as const;

/** The environment variable that gives a Loki container on one of `lokiHosts` its host's address (`common.instance_addr`). */
export const LOKI_INSTANCE_ADDR_ENV = "LOKI_INSTANCE_ADDR";

/**
 * How the config file's storage placeholders are filled for the stack's store. With an object
 * store, the filesystem period stays for the days before `lokiStorageSince`, so lines already on
 * the host's disk stay readable until retention removes them; from that day on, chunks and the
 * TSDB index go to the store, and the compactor keeps delete requests there. The keys are Loki
 * v3.4.0's (`common.storage.s3` is its `aws.S3Config`, whose untagged fields read as lowercase
 * names; `common.storage.azure` its `BlobStorageConfig`). Loki allows one `common.storage`, and
 * leaves `storage_config.filesystem` alone when it is not the one.
 */
function storageValues(settings: LokiSettings): Record<string, string> {
  if (settings.lokiStorage === "filesystem") {
    return {
      storageSummary: "filesystem storage",
      commonStorage: ["filesystem:", "  chunks_directory: /loki/chunks", "  rules_directory: /loki/rules"].join("\n"),
      objectStorePeriod: "",
      storageConfig: "",
      deleteRequestStore: "filesystem",
    };
  }
  const store = settings.lokiStorage;
  const common =
    store === "s3"
      ? [
          "s3:",
          `  endpoint: ${JSON.stringify(settings.lokiS3Endpoint)}`,
          `  insecure: ${settings.lokiS3Endpoint?.startsWith("http:") === true}`,
          `  bucketnames: ${JSON.stringify(settings.lokiS3Bucket)}`,
          `  region: ${JSON.stringify(settings.lokiS3Region)}`,
          `  access_key_id: ${JSON.stringify(settings.lokiS3AccessKeyId)}`,
          `  secret_access_key: "\${${LOKI_SECRET_ENV.s3}}"`,
          `  s3forcepathstyle: ${settings.lokiS3PathStyle}`,
        ]
      : [
          "azure:",
          `  account_name: ${JSON.stringify(settings.lokiAzureAccount)}`,
          `  account_key: "\${${LOKI_SECRET_ENV.azure}}"`,
          `  container_name: ${JSON.stringify(settings.lokiAzureContainer)}`,
          `  endpoint_suffix: ${JSON.stringify(settings.lokiAzureEndpointSuffix)}`,
        ];
  return {
    storageSummary: `${store === "s3" ? "S3-compatible" : "Azure Blob"} object storage`,
    commonStorage: common.join("\n"),
    objectStorePeriod: [
      "# From this day on, chunks and index go to the object store.",
      `- from: ${JSON.stringify(settings.lokiStorageSince)}`,
      "  store: tsdb",
      `  object_store: ${store}`,
      "  schema: v13",
      "  index:",
      "    prefix: index_",
      "    period: 24h",
    ].join("\n"),
    storageConfig: [
      "",
      "# The days before the object store's period stay readable where they were written.",
      "storage_config:",
      "  filesystem:",
      "    directory: /loki/chunks",
    ].join("\n"),
    deleteRequestStore: store,
  };
}

/** Where the gateway's nginx config lives, in the render output and in the container. */
export const GATEWAY_CONFIG = { file: "loki/gateway.conf", path: "/etc/nginx/nginx.conf" };
/** uid and gid the unprivileged nginx image runs as. */
export const GATEWAY_UID = 101;
/** Port memberlist gossips on between the Loki containers of a scalable site (Loki's default). */
export const MEMBERLIST_PORT = 7946;

/** One Loki container of the plan, the data it keeps, and the Loki containers it starts after. */
export interface LokiNode {
  /** The container. */
  spec: ContainerSpec;
  /**
   * Its data volume, or null for a reader, which keeps nothing that a new one cannot fetch again:
   * its caches go to the image's own `/loki`, which the image gives uid 10001 (cmd/loki/Dockerfile, v3.4.0).
   */
  data: DataVolume | null;
  /** The program's names (`resourceName`) of the Loki containers that must be healthy first. */
  after: string[];
}

/** Loki's part of a stack plan. */
export interface LokiPlan {
  /** Every Loki container, in start order; the last is the one Alloy and Grafana reach (Loki itself, or the gateway). */
  nodes: LokiNode[];
}

/** The roles of a scalable Loki's processes, each a value of Loki's `-target`. */
type Role = "write" | "read" | "backend";

/** One Loki process of a scalable site: its role, its number among that role's containers, and where it runs. */
interface Member {
  role: Role;
  /** 1-based; 0 for the only backend. */
  index: number;
  /** Its number among all the Loki containers, which picks its ports on one of `lokiHosts` (`lokiHostPorts`). */
  number: number;
  /** The Docker host it runs on, or null for the site's own. */
  host: SshDockerHost | null;
}

/**
 * Every Loki process of a scalable site: the writers, the backend, then the readers, which need
 * the backend's query scheduler. With `lokiHosts`, writer n runs on host ((n - 1) mod hosts) + 1,
 * the backend on the first and reader n on host (n mod hosts) + 1, so that with two hosts or more
 * the writers are spread and the two readers are on different hosts.
 */
function members(settings: LokiSettings): Member[] {
  const hosts = settings.lokiHosts;
  const on = (slot: number) => (hosts.length === 0 ? null : hosts[slot % hosts.length]);
  const numbers = lokiContainerNumbers(settings.lokiWriteReplicas);
  return [
    ...numbers.writers.map((number, i) => ({ role: "write" as const, index: i + 1, number, host: on(i) })),
    { role: "backend", index: 0, number: numbers.backend, host: on(0) },
    ...numbers.readers.map((number, i) => ({ role: "read" as const, index: i + 1, number, host: on(i + 1) })),
  ];
}

/** A member that runs on one of `lokiHosts`. */
type Placed = Member & { host: SshDockerHost };

function isPlaced(member: Member): member is Placed {
  return member.host !== null;
}

/** Where the other Loki containers and the gateway reach a member on one of `lokiHosts`: its host's address and one of its own ports. */
function memberAddress(member: Placed, port: "http" | "grpc" | "memberlist"): string {
  return `${member.host.host}:${lokiHostPorts(member.number)[port]}`;
}

/** A member's service (its network alias, shared by its role) and its container's own part of the name. */
function memberNames(member: Member): { service: string; own: string } {
  const service = `loki-${member.role}`;
  return { service, own: member.index === 0 ? service : `${service}-${member.index}` };
}

/** How the config file's ring and process placeholders are filled for the stack's mode. */
function modeValues(settings: LokiSettings): Record<string, string> {
  if (settings.lokiMode === "single") {
    return { processSummary: "a single process", instanceAddr: "instance_addr: 127.0.0.1", replicationFactor: "1", compactorAddress: "", ringStore: "inmemory", memberlist: "" };
  }
  const all = members(settings);
  // Every member is on one of `lokiHosts`, or none is.
  const spread = all.every(isPlaced);
  const backend = all.find((member) => member.role === "backend") as Member;
  const gossip = (member: Member) => (isPlaced(member) ? memberAddress(member, "memberlist") : `${containerName(settings, memberNames(member).own)}:${MEMBERLIST_PORT}`);
  const joined = all.map((member) => `    - ${JSON.stringify(gossip(member))}`);
  return {
    processSummary:
      `simple scalable mode (${settings.lokiWriteReplicas} writers, ${READ_REPLICAS} readers and a backend, each its own container with \`-target\`` +
      (spread ? `, on ${settings.lokiHosts.length} Docker hosts)` : ")"),
    // On the site's Docker host each container advertises the address of its own interface on the
    // logging network; on `lokiHosts`, the address of its host, where it publishes its ports.
    instanceAddr: spread ? `instance_addr: "\${${LOKI_INSTANCE_ADDR_ENV}}"` : "",
    replicationFactor: String(settings.lokiReplicationFactor),
    // The readers send delete requests and their filters to the compactor, on the backend.
    compactorAddress: `compactor_address: ${JSON.stringify(
      isPlaced(backend) ? `http://${memberAddress(backend, "http")}` : `http://${containerName(settings, "loki-backend")}:${LOKI_HTTP_PORT}`,
    )}`,
    ringStore: "memberlist",
    memberlist: [
      "",
      ...(spread
        ? [
            "# The site's Loki containers find each other by gossip across its Loki hosts, each at its host's",
            "# address and its own port (its `-memberlist.bind-port`); one that is down is found again when it comes back.",
          ]
        : [
            "# The site's Loki containers find each other by gossip on the logging network; one that is down",
            "# is found again when it comes back.",
          ]),
      "memberlist:",
      "  join_members:",
      ...joined,
      `  bind_port: ${MEMBERLIST_PORT}`,
    ].join("\n"),
  };
}

/** The Loki config file for a stack: the same file for every Loki container of a scalable site. */
export function renderLokiConfig(settings: LokiSettings): string {
  return renderTemplate(LOKI_CONFIG.file, { retentionPeriod: settings.retentionPeriod, ...modeValues(settings), ...storageValues(settings) });
}

/** The `host:port` HTTP addresses of a spread Loki's containers, by role, for the gateway's upstream groups. */
export type GatewayUpstreams = Record<Role, string[]>;

/** The Loki containers of each role as the gateway reaches them: by address on `lokiHosts`, or null for the network aliases on the site's Docker host. */
function gatewayUpstreams(settings: LokiSettings): GatewayUpstreams | null {
  const all = members(settings);
  if (!all.every(isPlaced)) {
    return null;
  }
  const of = (role: Role) => all.filter((member) => member.role === role).map((member) => memberAddress(member, "http"));
  return { write: of("write"), read: of("read"), backend: of("backend") };
}

/**
 * The nginx config of a scalable Loki's gateway. On the site's Docker host it names Loki's
 * containers by their network aliases, the same on every site, and Docker's DNS answers for the
 * running ones. With `upstreams` (Loki on `lokiHosts`) it names each container by its host's
 * address and port in an upstream group per role, and nginx passes a request that finds one
 * container gone to the next of its role.
 */
export function renderGatewayConfig(upstreams: GatewayUpstreams | null = null): string {
  const roles: Role[] = ["write", "read", "backend"];
  const target = (role: Role) => (upstreams === null ? `http://loki-${role}:${LOKI_HTTP_PORT}` : `http://loki_${role}`);
  const routing =
    upstreams === null
      ? [
          "# Docker's DNS on the logging network: an alias names every running container of a role, and a",
          "# stopped one drops out within seconds. Names in variables are looked up per request, so the",
          "# gateway starts, and keeps going, whichever Loki containers are up.",
          "resolver 127.0.0.11 valid=5s ipv6=off;",
        ]
      : [
          "# The Loki containers on the site's Loki hosts, by address and their own port. One that refuses or",
          "# times out is left alone for 10 seconds while the others of its role take its requests.",
          ...roles.flatMap((role) => [
            `upstream loki_${role} {`,
            ...upstreams[role].map((address) => `  server ${address} max_fails=1 fail_timeout=10s;`),
            "  keepalive 8;",
            "}",
          ]),
        ];
  return renderTemplate(GATEWAY_CONFIG.file, {
    lokiPort: String(LOKI_HTTP_PORT),
    routing: routing.join("\n"),
    writeTarget: target("write"),
    readTarget: target("read"),
    backendTarget: target("backend"),
  });
}

/** The secret key of the stack's object store, as the environment variable its config reads; none on the filesystem. */
function lokiStorageEnv(settings: LokiSettings): Record<string, SecretValue> {
  const secret = settings.lokiStorage === "s3" ? settings.lokiS3SecretAccessKey : settings.lokiStorage === "azure" ? settings.lokiAzureAccountKey : undefined;
  return secret === undefined || settings.lokiStorage === "filesystem" ? {} : { [LOKI_SECRET_ENV[settings.lokiStorage]]: secret };
}

/** Where the single Loki keeps chunks, index and compactor state; a scalable site's first writer takes it over. */
export function lokiDataVolume(settings: LokiSettings): DataVolume {
  return dataVolume(settings, "loki", "/loki", LOKI_UID, LOKI_UID);
}

/** Docker's check of a Loki process on its HTTP port: `/ready`, which answers 503 for about 15 s after start. */
function lokiReady(port: number): HealthcheckSpec {
  return {
    // The 3.4 image is distroless apart from busybox.
    test: ["CMD", "/busybox/wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}/ready`],
    interval: "10s",
    timeout: "5s",
    retries: 6,
    startPeriod: "30s",
  };
}

/**
 * What makes a member on one of `lokiHosts` reachable from the other hosts: it listens on its own
 * ports (flags, which Loki applies after the config file) and publishes them on its host's
 * address, and it advertises that address in every ring and to memberlist
 * (`common.instance_addr`, which Loki reads only from the file; v3.4.0 `pkg/loki/common/common.go`
 * registers its flag on a throwaway set). The rings take the gRPC port from
 * `-server.grpc-listen-port`; memberlist's advertised port defaults to 7946, so it is given too.
 */
function placedProcess(member: Placed): Pick<ContainerSpec, "host" | "command" | "env" | "ports" | "networks" | "healthcheck"> {
  const ports = lokiHostPorts(member.number);
  return {
    host: member.host,
    command: [
      `-server.http-listen-port=${ports.http}`,
      `-server.grpc-listen-port=${ports.grpc}`,
      `-memberlist.bind-port=${ports.memberlist}`,
      `-memberlist.advertise-port=${ports.memberlist}`,
    ],
    env: { [LOKI_INSTANCE_ADDR_ENV]: member.host.host },
    ports: Object.values(ports).map((port) => ({ internal: port, external: port, ip: member.host.host })),
    // The logging network is the site host's; on a Loki host the container is on Docker's default bridge.
    networks: [],
    healthcheck: lokiReady(ports.http),
  };
}

/**
 * A Loki container: the single Loki, which alone publishes `lokiPort`, or one member of a
 * scalable site, with its `extra` arguments, on the site's Docker host or on one of `lokiHosts`.
 * `config` is the stack's Loki config file, rendered once for every container that shares it.
 */
function lokiProcess(
  settings: LokiSettings,
  names: { service: string; own: string; resource?: string },
  data: DataVolume | null,
  extra: string[],
  placed: Placed | null,
  config: string,
): ContainerSpec {
  const where = placed === null ? null : placedProcess(placed);
  return {
    service: names.service,
    ...(names.resource === undefined ? {} : { resource: names.resource }),
    ...(where === null ? {} : { host: where.host }),
    name: containerName(settings, names.own),
    image: settings.images.loki,
    // Only an object store's config reads its environment, for the secret key and a Loki host's address.
    command: [`-config.file=${LOKI_CONFIG.path}`, ...(settings.lokiStorage === "filesystem" ? [] : ["-config.expand-env=true"]), ...extra, ...(where?.command ?? [])],
    env: { ...lokiStorageEnv(settings), ...where?.env },
    ports: where?.ports ?? (names.service === "loki" ? [{ internal: LOKI_HTTP_PORT, external: settings.lokiPort, ip: settings.lokiBindAddress }] : []),
    mounts: data === null ? [] : [dataMount(data)],
    labels: stackLabels(settings, names.service),
    networks: where?.networks ?? [loggingNetworkName(settings)],
    restart: settings.restartPolicy,
    healthcheck: where?.healthcheck ?? lokiReady(LOKI_HTTP_PORT),
    user: `${LOKI_UID}:${LOKI_UID}`,
    secretFiles: [],
    uploads: [{ ...LOKI_CONFIG, content: config }],
    ...lockedDown(),
    // With its write-ahead log on (3.4's default), a single Loki does not flush chunks on SIGTERM
    // (`ingester.wal.flush_on_shutdown` is false): it closes the log, and the next container on the
    // same volume replays it. A scalable writer flushes first (`WRITER_FLUSH`), which takes longer.
    stopGracePeriodSeconds: names.service === "loki-write" ? WRITER_STOP_SECONDS : 60,
  };
}

/**
 * A scalable writer ships its in-memory chunks to the object store when it stops, so that a
 * writer that moves to another host (`lokiHosts`), or is removed, leaves nothing behind in a
 * write-ahead log no new writer replays. Loki 3.4's flag `-ingester.flush-on-shutdown`
 * (`pkg/ingester/wal.go`); the ingester's lifecycler flushes on shutdown when it is true
 * (`pkg/ingester/ingester.go`, `!WAL.Enabled || WAL.FlushOnShutdown`).
 */
const WRITER_FLUSH = "-ingester.flush-on-shutdown=true";
/** How long Docker waits for a writer to flush before it kills it; the write-ahead log still holds what it had not shipped. */
const WRITER_STOP_SECONDS = 120;

/** Loki's container, keeping its data on `data`. */
function lokiContainer(settings: LokiSettings, data: DataVolume): ContainerSpec {
  return lokiProcess(settings, { service: "loki", own: "loki" }, data, [], null, renderLokiConfig(settings));
}

/**
 * The nginx gateway in front of a scalable Loki: the one address Alloy pushes to and Grafana
 * queries, published on `lokiPort` where the single Loki was.
 */
function gatewayContainer(settings: LokiSettings): ContainerSpec {
  return {
    service: "loki-gateway",
    name: containerName(settings, "loki-gateway"),
    image: settings.images.gateway,
    // The image's own command; its entrypoint's scripts touch only /etc/nginx/conf.d, which this config does not include.
    command: ["nginx", "-g", "daemon off;"],
    env: {},
    ports: [{ internal: LOKI_HTTP_PORT, external: settings.lokiPort, ip: settings.lokiBindAddress }],
    mounts: [],
    labels: stackLabels(settings, "loki-gateway"),
    networks: [loggingNetworkName(settings)],
    restart: settings.restartPolicy,
    healthcheck: {
      // The Alpine image has busybox's wget; the gateway's own page, so a Loki restart does not mark it unhealthy.
      test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${LOKI_HTTP_PORT}/gateway/ready`],
      interval: "10s",
      timeout: "5s",
      retries: 3,
      startPeriod: "10s",
    },
    user: `${GATEWAY_UID}:${GATEWAY_UID}`,
    secretFiles: [],
    uploads: [{ ...GATEWAY_CONFIG, content: renderGatewayConfig(gatewayUpstreams(settings)) }],
    ...lockedDown(),
    // nginx finishes the requests in flight on SIGQUIT, the image's stop signal.
    stopGracePeriodSeconds: 30,
  };
}

/**
 * The Loki containers of a stack. In scalable mode the first writer takes over the single Loki's
 * place in the program, so moving a site replaces that container (the old one stops first). On
 * the site's Docker host it takes the single Loki's volume too, and replays its write-ahead log:
 * lines it had not yet shipped are not lost. Every other writer, every writer on `lokiHosts`, and
 * the backend keep a volume of their own, on their host; readers keep nothing. Writers and the
 * backend start together, the readers once the backend's query scheduler is up, and the gateway,
 * on the site's Docker host, last.
 */
export function lokiPlan(settings: LokiSettings): LokiPlan {
  if (settings.lokiMode === "single") {
    const data = lokiDataVolume(settings);
    return { nodes: [{ spec: lokiContainer(settings, data), data, after: [] }] };
  }
  const config = renderLokiConfig(settings);
  const nodes: LokiNode[] = members(settings).map((member) => {
    const names = memberNames(member);
    const first = member.role === "write" && member.index === 1;
    const successor = first && !isPlaced(member);
    const data = member.role === "read" ? null : successor ? lokiDataVolume(settings) : dataVolume(settings, names.own, "/loki", LOKI_UID, LOKI_UID);
    const resource = first ? "loki" : names.own;
    const extra = [`-target=${member.role}`, ...(member.role === "write" ? [WRITER_FLUSH] : [])];
    const spec = lokiProcess(settings, { ...names, ...(resource === names.service ? {} : { resource }) }, data, extra, isPlaced(member) ? member : null, config);
    return { spec, data, after: member.role === "read" ? ["loki-backend"] : [] };
  });
  const gateway = gatewayContainer(settings);
  nodes.push({ spec: gateway, data: null, after: nodes.map((node) => resourceName(node.spec)) });
  return { nodes };
}
