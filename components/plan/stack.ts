/**
 * The whole site stack as one pure plan (files, containers, data) computed from the settings.
 * `pulumi up` declares it through `components/resources`; `npm run render` writes it to disk.
 *
 * This is the one place that sees every setting: it hands each service, and Grafana's
 * provisioned content, only its own slice (`sliceOf`), so a setting outside a slice cannot
 * change that container.
 */
import { grafanaContent, PROVISIONING_SETTING_KEYS } from "./grafana/provisioning";
import { ALLOY_SETTING_KEYS, alloyContainer, alloyDataVolume } from "./services/alloy";
import { API_CONTAINER_SETTING_KEYS, servingContainer } from "./services/apis";
import { GRAFANA_SETTING_KEYS, grafanaContainer, grafanaDataVolume } from "./services/grafana";
import { LOKI_SETTING_KEYS, LokiPlan, lokiPlan } from "./services/loki";
import { Settings, sliceOf } from "./settings";
import { apiNetworkName, loggingNetworkName } from "./shared/names";
import { ContainerSpec, DataVolume, renderContainersJson } from "./shared/spec";

/** Everything a stack runs, as plain data. */
export interface StackPlan {
  /** Site name, the prefix of every name. */
  siteName: string;
  /** The stack's Docker networks: Loki, Alloy and Grafana on one, the APIs on the other. */
  networks: { logging: string; apis: string };
  /** Loki's containers and their data: one, or a scalable site's writers, readers, backend and gateway. */
  loki: LokiPlan;
  /** Alloy's container. */
  alloy: ContainerSpec;
  /** Grafana's container. */
  grafana: ContainerSpec;
  /** The Trust API containers, in the order of the `apis` setting. */
  apis: ContainerSpec[];
  /** Data volumes of Alloy and Grafana (Loki's are in `loki`). */
  data: { alloy: DataVolume; grafana: DataVolume };
}

/** The plan of a stack: a pure function of its settings. */
export function stackPlan(settings: Settings): StackPlan {
  const loki = sliceOf(settings, LOKI_SETTING_KEYS);
  const alloy = sliceOf(settings, ALLOY_SETTING_KEYS);
  const grafana = sliceOf(settings, GRAFANA_SETTING_KEYS);
  const apis = sliceOf(settings, API_CONTAINER_SETTING_KEYS);
  const data = { alloy: alloyDataVolume(alloy), grafana: grafanaDataVolume(grafana) };
  return {
    siteName: settings.siteName,
    networks: { logging: loggingNetworkName(settings), apis: apiNetworkName(settings) },
    loki: lokiPlan(loki),
    alloy: alloyContainer(alloy, data.alloy),
    grafana: grafanaContainer(grafana, data.grafana, grafanaContent(sliceOf(settings, PROVISIONING_SETTING_KEYS))),
    apis: settings.apis.map((api) => servingContainer(apis, api)),
    data,
  };
}

/** Every container of a plan, in start order. */
export function planContainers(plan: StackPlan): ContainerSpec[] {
  return [...plan.loki.nodes.map((node) => node.spec), plan.alloy, plan.grafana, ...plan.apis];
}

/**
 * The files `npm run render` writes for a plan, keyed by path under the output folder: every
 * uploaded file and `containers.json`. Keys are sorted so the output is the same on every run.
 */
export function renderPlanFiles(plan: StackPlan): Record<string, string> {
  const files: Record<string, string> = {};
  for (const spec of planContainers(plan)) {
    for (const upload of spec.uploads) {
      if (files[upload.file] !== undefined && files[upload.file] !== upload.content) {
        throw new Error(`two containers upload different contents as ${upload.file}`);
      }
      files[upload.file] = upload.content;
    }
  }
  files["containers.json"] = renderContainersJson(planContainers(plan));
  return Object.fromEntries(Object.keys(files).sort().map((key) => [key, files[key]]));
}
