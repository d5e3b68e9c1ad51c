/**
 * The shape of what the stack runs, as plain data: container specs, data volumes and rendered
 * files. Both `pulumi up` (through the components) and `npm run render` (through
 * `containers.json`) are derived from these, so they cannot disagree.
 */
import * as crypto from "crypto";
import { SecretValue, shown } from "./secrets";
import { RestartPolicy, Settings } from "./settings";

/** A port published on the host. */
export interface PortSpec {
  /** Port inside the container. */
  internal: number;
  /** Port on the host. */
  external: number;
  /** Host address. */
  ip: string;
}

/** A mount of a named volume, a host directory or a host file. */
export interface MountSpec {
  /** Path inside the container. */
  target: string;
  /** Volume name or host path. */
  source: string;
  /** `volume` for a named Docker volume, `bind` for a host path. */
  type: "volume" | "bind";
  /** Whether the container may only read it. */
  readOnly: boolean;
}

/** A file copied into the container when it is created; a change to it replaces the container. */
export interface UploadSpec {
  /** Path inside the container. */
  path: string;
  /** Path of the rendered file, relative to the render output folder. */
  file: string;
  /** File content. */
  content: string;
}

/** A file holding a secret, copied into the container readable by its group only (Grafana runs as group 0). */
export interface SecretFileSpec {
  /** Path inside the container. */
  path: string;
  /** The secret it holds. */
  secret: SecretValue;
}

/** A Docker healthcheck. */
export interface HealthcheckSpec {
  /** Command, in Docker's `CMD` form. */
  test: string[];
  /** Time between checks. */
  interval: string;
  /** Time one check may take. */
  timeout: string;
  /** Failures in a row before the container is unhealthy. */
  retries: number;
  /** Grace time after start during which failures do not count. */
  startPeriod: string;
}

/** Everything Docker needs to run one container of the stack. */
export interface ContainerSpec {
  /** Service name: `loki`, `alloy`, `grafana` or an API name. */
  service: string;
  /** Fixed, site-prefixed container name. */
  name: string;
  /** Image reference. */
  image: string;
  /** Command arguments given to the image's entrypoint (or the full command when `entrypoint` is set). */
  command: string[];
  /** Entrypoint override, when the image's own does not fit. */
  entrypoint?: string[];
  /** Working directory override. */
  workingDir?: string;
  /** Environment; secret values are marked, so only they are hidden in previews. */
  env: Record<string, string | SecretValue>;
  /** Ports published on the host. */
  ports: PortSpec[];
  /** Volumes and host paths. */
  mounts: MountSpec[];
  /** Docker labels. */
  labels: Record<string, string>;
  /** Networks the container joins. */
  networks: string[];
  /** Restart policy. */
  restart: RestartPolicy;
  /** Healthcheck, or null where the image has no tool to run one. */
  healthcheck: HealthcheckSpec | null;
  /** `uid:gid` the container runs as, or null for the image's default. */
  user: string | null;
  /** Files copied in at creation. */
  uploads: UploadSpec[];
  /** Secret files copied in at creation; never rendered. */
  secretFiles: SecretFileSpec[];
  /** Docker log driver and its rotation options. */
  logDriver: { name: string; options: Record<string, string> };
  /** Seconds Docker waits after SIGTERM before killing the container. */
  stopGracePeriodSeconds: number;
  /** Linux capabilities dropped and added. */
  capabilities: { drop: string[]; add: string[] };
  /** Docker security options. */
  securityOpts: string[];
}

/** A place where a service keeps data that must outlive its container. */
export interface DataVolume {
  /** Service that owns the data. */
  service: string;
  /** Named Docker volume (development), when no volume root is set. */
  volumeName?: string;
  /** Host directory (production), under the volume root. */
  hostPath?: string;
  /** Path inside the container. */
  target: string;
  /** Numeric owner the service runs as. */
  uid: number;
  /** Numeric group the service runs as. */
  gid: number;
}

/** Port Loki listens on inside its container. */
export const LOKI_HTTP_PORT = 3100;

/** The uid of the Loki datasource Grafana is provisioned with (`datasources/loki.yml`), which the dashboard and the alert rules query. */
export const LOKI_DATASOURCE_UID = "loki";

/** The Docker label that marks a container for collection, and that the API containers carry. */
export const DISCOVERY_LABEL = { name: "org.flip.logging.enabled", value: "true" };

/** Loki's URL on the stack network, for Alloy and Grafana. */
export function lokiInternalUrl(settings: Settings): string {
  return `http://${containerName(settings, "loki")}:${LOKI_HTTP_PORT}`;
}

/** The network of Loki, Alloy and Grafana: Loki is reachable from Alloy and Grafana only. */
export function loggingNetworkName(settings: Settings): string {
  return `${settings.siteName}-logging`;
}

/** The network of the Trust APIs: they need no route to Loki, as Alloy reads their logs through the Docker socket. */
export function apiNetworkName(settings: Settings): string {
  return `${settings.siteName}-apis`;
}

/** The fixed name of a service's container. */
export function containerName(settings: Settings, service: string): string {
  return `${settings.siteName}-${service}`;
}

/** Where a service keeps its data: a named volume without a volume root, a host directory with one. */
export function dataVolume(settings: Settings, service: string, target: string, uid: number, gid: number): DataVolume {
  return settings.volumeRoot === undefined
    ? { service, volumeName: `${settings.siteName}-${service}-data`, target, uid, gid }
    : { service, hostPath: `${settings.volumeRoot}/${service}`, target, uid, gid };
}

/** The mount of a data volume into its container. */
export function dataMount(volume: DataVolume): MountSpec {
  return volume.hostPath !== undefined
    ? { target: volume.target, source: volume.hostPath, type: "bind", readOnly: false }
    : { target: volume.target, source: volume.volumeName as string, type: "volume", readOnly: false };
}

/**
 * Labels every container of the stack carries: whose it is, which service it is (Alloy's
 * `project` and `service` labels), and the discovery label, so that with `collect: labelled` the
 * stack collects its own containers' logs too and its own failures are visible.
 */
export function stackLabels(settings: Settings, service: string): Record<string, string> {
  return { [DISCOVERY_LABEL.name]: DISCOVERY_LABEL.value, "org.flip.project": settings.siteName, "org.flip.service": service };
}

/** Docker log rotation for the stack's own containers: a chatty one cannot fill the disk. */
const ROTATED_JSON_LOG = { name: "json-file", options: { "max-file": "5", "max-size": "10m" } };

/** No privilege escalation through setuid binaries. */
const NO_NEW_PRIVILEGES = ["no-new-privileges:true"];

/**
 * What every logging-service container shares: a rotated Docker log, no Linux capabilities and
 * no privilege escalation. None of them needs more (Alloy reads the root-owned socket as root).
 */
export function lockedDown(): Pick<ContainerSpec, "logDriver" | "capabilities" | "securityOpts"> {
  return {
    logDriver: { name: ROTATED_JSON_LOG.name, options: { ...ROTATED_JSON_LOG.options } },
    capabilities: { drop: ["ALL"], add: [] },
    securityOpts: [...NO_NEW_PRIVILEGES],
  };
}

/** The sha256 of a file's content, as `containers.json` records it. */
export function sha256(content: string): string {
  return crypto.createHash("sha256").update(content, "utf8").digest("hex");
}

/** The description of one container in `containers.json`: the spec without file contents or secrets. */
export function describeContainer(spec: ContainerSpec): Record<string, unknown> {
  const { uploads, secretFiles, env, ...rest } = spec;
  return sortKeys({
    ...rest,
    env: Object.fromEntries(Object.entries(env).map(([key, value]) => [key, shown(value)])),
    uploads: uploads.map((upload) => ({ path: upload.path, file: upload.file, sha256: sha256(upload.content) })),
    secretFiles: secretFiles.map((file) => ({ path: file.path, content: shown(file.secret) })),
  }) as Record<string, unknown>;
}

/** The text of `containers.json`: one entry per container, keys sorted, so the same settings give the same bytes. */
export function renderContainersJson(specs: readonly ContainerSpec[]): string {
  return JSON.stringify(specs.map(describeContainer), null, 2) + "\n";
}

/** A deep copy with object keys in sorted order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
