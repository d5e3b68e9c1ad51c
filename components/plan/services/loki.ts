/**
 * Grafana Loki: log storage for the site. Its config file and its container, as data.
 */
import type { Settings } from "../settings";
import { containerName, dataMount, dataVolume, LOKI_HTTP_PORT, loggingNetworkName, stackLabels } from "../shared/names";
import { ContainerSpec, DataVolume, lockedDown } from "../shared/spec";
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

/** The Loki config file for a stack. */
export function renderLokiConfig(settings: LokiSettings): string {
  return renderTemplate(LOKI_CONFIG.file, { retentionPeriod: settings.retentionPeriod, ...storageValues(settings) });
}

/** The secret key of the stack's object store, as the environment variable its config reads; none on the filesystem. */
function lokiStorageEnv(settings: LokiSettings): Record<string, SecretValue> {
  const secret = settings.lokiStorage === "s3" ? settings.lokiS3SecretAccessKey : settings.lokiStorage === "azure" ? settings.lokiAzureAccountKey : undefined;
  return secret === undefined || settings.lokiStorage === "filesystem" ? {} : { [LOKI_SECRET_ENV[settings.lokiStorage]]: secret };
}

/** Where Loki keeps chunks, index and compactor state. */
export function lokiDataVolume(settings: LokiSettings): DataVolume {
  return dataVolume(settings, "loki", "/loki", LOKI_UID, LOKI_UID);
}

/** Loki's container, keeping its data on `data`. */
export function lokiContainer(settings: LokiSettings, data: DataVolume): ContainerSpec {
  return {
    service: "loki",
    name: containerName(settings, "loki"),
    image: settings.images.loki,
    // Only an object store's config reads its environment, for the secret key.
    command: settings.lokiStorage === "filesystem" ? [`-config.file=${LOKI_CONFIG.path}`] : [`-config.file=${LOKI_CONFIG.path}`, "-config.expand-env=true"],
    env: lokiStorageEnv(settings),
    ports: [{ internal: LOKI_HTTP_PORT, external: settings.lokiPort, ip: settings.lokiBindAddress }],
    mounts: [dataMount(data)],
    labels: stackLabels(settings, "loki"),
    networks: [loggingNetworkName(settings)],
    restart: settings.restartPolicy,
    healthcheck: {
      // The 3.4 image is distroless apart from busybox; /ready answers 503 for about 15 s after start.
      test: ["CMD", "/busybox/wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${LOKI_HTTP_PORT}/ready`],
      interval: "10s",
      timeout: "5s",
      retries: 6,
      startPeriod: "30s",
    },
    user: `${LOKI_UID}:${LOKI_UID}`,
    secretFiles: [],
    uploads: [{ ...LOKI_CONFIG, content: renderLokiConfig(settings) }],
    ...lockedDown(),
    // Loki flushes in-memory chunks on SIGTERM; cutting that short loses the newest lines.
    stopGracePeriodSeconds: 60,
  };
}
