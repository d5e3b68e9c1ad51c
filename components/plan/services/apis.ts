/**
 * The Trust API containers: each runs with the labels Alloy discovers it by and with `LOG_LEVEL`
 * from the stack's one `logLevel` setting.
 */
import * as fs from "fs";
import * as path from "path";
import type { Settings } from "../settings";
import type { ApiSettings } from "../settings/apis";
import { apiNetworkName, containerName, stackLabels } from "../shared/names";
import { ContainerSpec, lockedDown, UploadSpec } from "../shared/spec";

/** The settings the API containers are made from, and no others; each API's own entry comes with it. */
export const API_CONTAINER_SETTING_KEYS = ["siteName", "images", "apiBindAddress", "logLevel", "restartPolicy", "demo"] as const;
/** The APIs' part of the settings. */
export type ApiContainerSettings = Pick<Settings, (typeof API_CONTAINER_SETTING_KEYS)[number]>;

/** The log_config library, uploaded into the demo generators. */
export const LOG_CONFIG_DIR = path.join(__dirname, "..", "..", "..", "log_config");
const DEMO_APP_PATH = "/app";

/** One Trust API's container. */
export function apiContainer(settings: ApiContainerSettings, api: ApiSettings): ContainerSpec {
  return {
    service: api.name,
    name: containerName(settings, api.name),
    image: api.image,
    command: [],
    env: { ...api.env, LOG_LEVEL: settings.logLevel },
    ports: api.port === undefined ? [] : [{ internal: api.port, external: api.hostPort ?? api.port, ip: settings.apiBindAddress }],
    mounts: [],
    labels: stackLabels(settings, api.name),
    networks: [apiNetworkName(settings)],
    restart: settings.restartPolicy,
    // The API images are the Trust's own; this program cannot know what tools they carry.
    healthcheck: null,
    user: null,
    uploads: [],
    secretFiles: [],
    stopGracePeriodSeconds: 30,
    ...lockedDown(),
    // Capabilities are left as the image expects; privilege escalation is still refused.
    capabilities: { drop: [], add: [] },
  };
}

/** The log_config package as uploads into a demo generator, in a fixed order. */
export function logConfigUploads(): UploadSpec[] {
  return fs
    .readdirSync(LOG_CONFIG_DIR)
    .filter((name) => name.endsWith(".py"))
    .sort()
    .map((name) => ({
      file: `demo/log_config/${name}`,
      path: `${DEMO_APP_PATH}/log_config/${name}`,
      content: fs.readFileSync(path.join(LOG_CONFIG_DIR, name), "utf8"),
    }));
}

/**
 * A demo traffic generator serving an API's name: same container name, discovery labels and
 * `LOG_LEVEL`, but a stock Python image running log_config's generator, so a dev stack shows a
 * live dashboard without the Trust's images.
 */
export function demoApiContainer(settings: ApiContainerSettings, api: ApiSettings): ContainerSpec {
  const real = apiContainer(settings, api);
  return {
    ...real,
    image: settings.images.demo,
    command: ["python", "-m", "log_config.demo", "--api", api.name],
    workingDir: DEMO_APP_PATH,
    env: { LOG_LEVEL: settings.logLevel, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
    ports: [],
    user: "65534:65534",
    uploads: logConfigUploads(),
    // The generator needs no privilege at all.
    ...lockedDown(),
  };
}

/** The container that serves an API: its own image, or the demo generator when `demo` is on. */
export function servingContainer(settings: ApiContainerSettings, api: ApiSettings): ContainerSpec {
  return settings.demo ? demoApiContainer(settings, api) : apiContainer(settings, api);
}
