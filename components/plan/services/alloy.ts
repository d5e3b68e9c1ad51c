/**
 * Grafana Alloy: discovers the host's containers through the Docker socket, parses their JSON
 * lines and ships them to Loki. Its config file and its container, as data.
 */
import type { Settings } from "../settings";
import { containerName, dataMount, dataVolume, DISCOVERY_LABEL, lokiInternalUrl, loggingNetworkName, stackLabels } from "../shared/names";
import { ContainerSpec, DataVolume, lockedDown } from "../shared/spec";
import { renderTemplate } from "../shared/templates";
import { renderRedactionStages } from "./alloy-redaction";

/** The settings Alloy's container and config are made from, and no others. */
export const ALLOY_SETTING_KEYS = ["siteName", "volumeRoot", "images", "restartPolicy", "collect", "redact", "lokiMode"] as const;
/** Alloy's part of the settings. */
export type AlloySettings = Pick<Settings, (typeof ALLOY_SETTING_KEYS)[number]>;

/** Port of Alloy's HTTP server inside its container; never published. */
export const ALLOY_HTTP_PORT = 12345;
/** Where the config file lives, in the render output and in the container. */
export const ALLOY_CONFIG = { file: "alloy/config.alloy", path: "/etc/alloy/config.alloy" };
/** Where Alloy keeps its read positions. */
export const ALLOY_STORAGE_PATH = "/var/lib/alloy/data";

/** The Alloy config file for a stack, with the site's own identifier patterns redacted too. */
export function renderAlloyConfig(settings: AlloySettings): string {
  const containerFilter =
    settings.collect === "labelled"
      ? [
          "// Only containers that carry the discovery label: a shared host does not ship other sites' logs.",
          "filter {",
          '  name   = "label"',
          `  values = ["${DISCOVERY_LABEL.name}=${DISCOVERY_LABEL.value}"]`,
          "}",
        ].join("\n")
      : "";
  return renderTemplate(ALLOY_CONFIG.file, {
    containerFilter,
    lokiPushUrl: `${lokiInternalUrl(settings)}/loki/api/v1/push`,
    redactionStages: renderRedactionStages(settings.redact),
  });
}

/** Where Alloy keeps its read positions, so a replaced container neither loses nor repeats lines. */
export function alloyDataVolume(settings: AlloySettings): DataVolume {
  return dataVolume(settings, "alloy", ALLOY_STORAGE_PATH, 0, 0);
}

/** Alloy's container, keeping its read positions on `data`. */
export function alloyContainer(settings: AlloySettings, data: DataVolume): ContainerSpec {
  return {
    service: "alloy",
    name: containerName(settings, "alloy"),
    image: settings.images.alloy,
    command: [
      "run",
      `--server.http.listen-addr=0.0.0.0:${ALLOY_HTTP_PORT}`,
      `--storage.path=${ALLOY_STORAGE_PATH}`,
      "--disable-reporting",
      ALLOY_CONFIG.path,
    ],
    env: {},
    ports: [],
    mounts: [
      dataMount(data),
      { target: "/var/run/docker.sock", source: "/var/run/docker.sock", type: "bind", readOnly: true },
    ],
    labels: stackLabels(settings, "alloy"),
    networks: [loggingNetworkName(settings)],
    restart: settings.restartPolicy,
    // The Alloy image has neither wget nor curl; its health shows in its logs and in Loki's intake.
    healthcheck: null,
    // Root, to read the Docker socket; it keeps no capability beyond that.
    user: "0:0",
    secretFiles: [],
    uploads: [{ ...ALLOY_CONFIG, content: renderAlloyConfig(settings) }],
    ...lockedDown(),
    stopGracePeriodSeconds: 30,
  };
}
