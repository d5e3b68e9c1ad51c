/**
 * Grafana Loki: log storage for the site. Its config file and its container, as data.
 */
import type { Settings } from "../settings";
import { containerName, dataMount, dataVolume, LOKI_HTTP_PORT, loggingNetworkName, stackLabels } from "../shared/names";
import { ContainerSpec, DataVolume, lockedDown } from "../shared/spec";
import { renderTemplate } from "../shared/templates";

/** The settings Loki's container and config are made from, and no others. */
export const LOKI_SETTING_KEYS = ["siteName", "volumeRoot", "images", "lokiPort", "lokiBindAddress", "restartPolicy", "retentionPeriod"] as const;
/** Loki's part of the settings. */
export type LokiSettings = Pick<Settings, (typeof LOKI_SETTING_KEYS)[number]>;

/** Where the config file lives, in the render output and in the container. */
export const LOKI_CONFIG = { file: "loki/loki-config.yml", path: "/etc/loki/loki-config.yml" };
/** uid and gid the Loki image runs as. */
export const LOKI_UID = 10001;

/** The Loki config file for a stack. */
export function renderLokiConfig(settings: LokiSettings): string {
  return renderTemplate(LOKI_CONFIG.file, { retentionPeriod: settings.retentionPeriod });
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
    command: [`-config.file=${LOKI_CONFIG.path}`],
    env: {},
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
