/**
 * The shape of what the stack runs, as plain data: container specs, data volumes and rendered
 * files. Both `pulumi up` (through the components) and `npm run render` (through
 * `containers.json`) are derived from these, so they cannot disagree.
 */
import * as crypto from "crypto";
import type { RestartPolicy, SshDockerHost } from "../settings/core";
import { SecretValue, shown } from "../settings/secrets";

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

/** What another part of the plan puts into a container: files, secret files and environment (Grafana's provisioning). */
export interface ContainerContent {
  /** Files copied in at creation. */
  uploads: UploadSpec[];
  /** Secret files copied in at creation. */
  secretFiles: SecretFileSpec[];
  /** Environment. */
  env: Record<string, string>;
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
  /** Service name: `loki`, `alloy`, `grafana` or an API name; also the container's alias on its networks, which several containers of one service share. */
  service: string;
  /**
   * The container's name in the program, where it is not its service's: one of several containers
   * of a service (`loki-write-2`), or one that takes over another's place and data (a scalable
   * site's first writer is `loki`, the single Loki it replaces).
   */
  resource?: string;
  /** The Docker host it runs on, where that is not the site's own: one of a scalable Loki's `lokiHosts`. */
  host?: SshDockerHost;
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

/** The name a container has in the program: its service's, unless it sets its own. */
export function resourceName(spec: ContainerSpec): string {
  return spec.resource ?? spec.service;
}

/** A place where a service keeps data that must outlive its container (`dataVolume` in `names.ts`). */
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
