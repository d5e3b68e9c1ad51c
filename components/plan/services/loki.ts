/**
 * Grafana Loki: log storage for the site. Its config file and its containers, as data: one Loki
 * process (`lokiMode: single`), or Loki's simple scalable mode, where writers, readers and a
 * backend run the same config file with their own `-target`, behind an nginx gateway.
 */
import type { Settings } from "../settings";
import { READ_REPLICAS } from "../settings/scaling";
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
] as const;
/** Loki's part of the settings. */
export type LokiSettings = Pick<Settings, (typeof LOKI_SETTING_KEYS)[number]>;

/** Where the config file lives, in the render output and in the container. */
export const LOKI_CONFIG = { file: "loki/loki-config.yml", path: "/etc/loki/loki-config.yml" };
/** uid and gid the Loki image runs as. */
export const LOKI_UID = 10001;

/** The environment variables that carry an object store's secret key into Loki's config (`-config.expand-env`). */
export const LOKI_SECRET_ENV = { s3: "LOKI_S3_SECRET_ACCESS_KEY", azure: "LOKI_AZURE_ACCOUNT_KEY" } as const;

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

/** One Loki process of a scalable site: its role and its number among that role's containers. */
interface Member {
  role: Role;
  /** 1-based; 0 for the only backend. */
  index: number;
}

/** Every Loki process of a scalable site: the writers, the backend, then the readers, which need the backend's query scheduler. */
function members(settings: LokiSettings): Member[] {
  const numbered = (role: Role, count: number) => Array.from({ length: count }, (_, i) => ({ role, index: i + 1 }));
  return [...numbered("write", settings.lokiWriteReplicas), { role: "backend", index: 0 }, ...numbered("read", READ_REPLICAS)];
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
  const joined = members(settings).map((member) => `    - ${JSON.stringify(`${containerName(settings, memberNames(member).own)}:${MEMBERLIST_PORT}`)}`);
  return {
    processSummary: `simple scalable mode (${settings.lokiWriteReplicas} writers, ${READ_REPLICAS} readers and a backend, each its own container with \`-target\`)`,
    // Each container advertises the address of its own interface on the logging network.
    instanceAddr: "",
    replicationFactor: String(settings.lokiReplicationFactor),
    // The readers send delete requests and their filters to the compactor, on the backend.
    compactorAddress: `compactor_address: ${JSON.stringify(`http://${containerName(settings, "loki-backend")}:${LOKI_HTTP_PORT}`)}`,
    ringStore: "memberlist",
    memberlist: [
      "",
      "# The site's Loki containers find each other by gossip on the logging network; one that is down",
      "# is found again when it comes back.",
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

/** The nginx config of a scalable Loki's gateway. It names Loki's containers by their network aliases, the same on every site. */
export function renderGatewayConfig(): string {
  return renderTemplate(GATEWAY_CONFIG.file, { lokiPort: String(LOKI_HTTP_PORT) });
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

/** Docker's check of a Loki process: `/ready`, which answers 503 for about 15 s after start. */
const LOKI_READY: HealthcheckSpec = {
  // The 3.4 image is distroless apart from busybox.
  test: ["CMD", "/busybox/wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${LOKI_HTTP_PORT}/ready`],
  interval: "10s",
  timeout: "5s",
  retries: 6,
  startPeriod: "30s",
};

/** A Loki container: the single Loki, which alone publishes `lokiPort`, or one member of a scalable site, with its `extra` arguments. */
function lokiProcess(settings: LokiSettings, names: { service: string; own: string; resource?: string }, data: DataVolume | null, extra: string[]): ContainerSpec {
  return {
    service: names.service,
    ...(names.resource === undefined ? {} : { resource: names.resource }),
    name: containerName(settings, names.own),
    image: settings.images.loki,
    // Only an object store's config reads its environment, for the secret key.
    command: [`-config.file=${LOKI_CONFIG.path}`, ...(settings.lokiStorage === "filesystem" ? [] : ["-config.expand-env=true"]), ...extra],
    env: lokiStorageEnv(settings),
    ports: names.service === "loki" ? [{ internal: LOKI_HTTP_PORT, external: settings.lokiPort, ip: settings.lokiBindAddress }] : [],
    mounts: data === null ? [] : [dataMount(data)],
    labels: stackLabels(settings, names.service),
    networks: [loggingNetworkName(settings)],
    restart: settings.restartPolicy,
    healthcheck: LOKI_READY,
    user: `${LOKI_UID}:${LOKI_UID}`,
    secretFiles: [],
    uploads: [{ ...LOKI_CONFIG, content: renderLokiConfig(settings) }],
    ...lockedDown(),
    // With its write-ahead log on (3.4's default), Loki does not flush chunks on SIGTERM
    // (`ingester.wal.flush_on_shutdown` is false): it closes the log, and the next container on the
    // same volume replays it. The grace period lets it close the log cleanly.
    stopGracePeriodSeconds: 60,
  };
}

/** Loki's container, keeping its data on `data`. */
function lokiContainer(settings: LokiSettings, data: DataVolume): ContainerSpec {
  return lokiProcess(settings, { service: "loki", own: "loki" }, data, []);
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
    uploads: [{ ...GATEWAY_CONFIG, content: renderGatewayConfig() }],
    ...lockedDown(),
    // nginx finishes the requests in flight on SIGQUIT, the image's stop signal.
    stopGracePeriodSeconds: 30,
  };
}

/**
 * The Loki containers of a stack. In scalable mode the first writer takes over the single Loki's
 * place in the program and its volume, so moving a site replaces that container (the old one
 * stops first) and the writer replays the single Loki's write-ahead log: lines it had not yet
 * shipped are not lost. Every other writer and the backend keep their own volume; readers keep
 * nothing. Writers and the backend start together, the readers once the backend's query
 * scheduler is up, and the gateway last.
 */
export function lokiPlan(settings: LokiSettings): LokiPlan {
  if (settings.lokiMode === "single") {
    const data = lokiDataVolume(settings);
    return { nodes: [{ spec: lokiContainer(settings, data), data, after: [] }] };
  }
  const nodes: LokiNode[] = members(settings).map((member) => {
    const names = memberNames(member);
    const successor = member.role === "write" && member.index === 1;
    const data = member.role === "read" ? null : successor ? lokiDataVolume(settings) : dataVolume(settings, names.own, "/loki", LOKI_UID, LOKI_UID);
    const resource = successor ? "loki" : names.own;
    const spec = lokiProcess(settings, { ...names, ...(resource === names.service ? {} : { resource }) }, data, [`-target=${member.role}`]);
    return { spec, data, after: member.role === "read" ? ["loki-backend"] : [] };
  });
  const gateway = gatewayContainer(settings);
  nodes.push({ spec: gateway, data: null, after: nodes.map((node) => resourceName(node.spec)) });
  return { nodes };
}
