/**
 * The whole site stack as one pure plan (files, containers, data) computed from the settings.
 * `pulumi up` declares it through `components/resources`; `npm run render` writes it to disk.
 */
import { alloyContainer, alloyDataVolume } from "./alloy";
import { servingContainer } from "./apis";
import { grafanaContainer, grafanaDataVolume } from "./grafana";
import { lokiContainer, lokiDataVolume } from "./loki";
import { Settings } from "./settings";
import { apiNetworkName, ContainerSpec, DataVolume, loggingNetworkName, renderContainersJson } from "./spec";

/** Everything a stack runs, as plain data. */
export interface StackPlan {
  /** Site name, the prefix of every name. */
  siteName: string;
  /** The stack's Docker networks: Loki, Alloy and Grafana on one, the APIs on the other. */
  networks: { logging: string; apis: string };
  /** Loki's container. */
  loki: ContainerSpec;
  /** Alloy's container. */
  alloy: ContainerSpec;
  /** Grafana's container. */
  grafana: ContainerSpec;
  /** The Trust API containers, in the order of the `apis` setting. */
  apis: ContainerSpec[];
  /** Data volumes of Loki, Alloy and Grafana. */
  data: { loki: DataVolume; alloy: DataVolume; grafana: DataVolume };
}

/** The plan of a stack: a pure function of its settings. */
export function stackPlan(settings: Settings): StackPlan {
  const data = { loki: lokiDataVolume(settings), alloy: alloyDataVolume(settings), grafana: grafanaDataVolume(settings) };
  return {
    siteName: settings.siteName,
    networks: { logging: loggingNetworkName(settings), apis: apiNetworkName(settings) },
    loki: lokiContainer(settings, data.loki),
    alloy: alloyContainer(settings, data.alloy),
    grafana: grafanaContainer(settings, data.grafana),
    apis: settings.apis.map((api) => servingContainer(settings, api)),
    data,
  };
}

/** Every container of a plan, in start order. */
export function planContainers(plan: StackPlan): ContainerSpec[] {
  return [plan.loki, plan.alloy, plan.grafana, ...plan.apis];
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
