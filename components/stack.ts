/**
 * The whole site stack: one pure plan (files, containers, data) computed from the settings, and
 * the component that declares it. `npm run render` writes the same plan to disk.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Alloy, alloyContainer, alloyDataVolume } from "./alloy";
import { servingContainer, TrustApis } from "./apis";
import { ServiceContext } from "./container";
import { Grafana, grafanaContainer, grafanaDataVolume } from "./grafana";
import { Loki, lokiContainer, lokiDataVolume } from "./loki";
import { Settings } from "./settings";
import { ContainerSpec, DataVolume, networkName, renderContainersJson } from "./spec";

/** Everything a stack runs, as plain data. */
export interface StackPlan {
  /** Site name, the prefix of every name. */
  siteName: string;
  /** Name of the stack's Docker network. */
  network: string;
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
  return {
    siteName: settings.siteName,
    network: networkName(settings),
    loki: lokiContainer(settings),
    alloy: alloyContainer(settings),
    grafana: grafanaContainer(settings),
    apis: settings.apis.map((api) => servingContainer(settings, api)),
    data: { loki: lokiDataVolume(settings), alloy: alloyDataVolume(settings), grafana: grafanaDataVolume(settings) },
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

/** Arguments of the site stack component. */
export interface LoggingStackArgs {
  /** The stack's plan. */
  plan: StackPlan;
  /** Docker provider of the site's engine; undefined uses the default provider. */
  provider?: docker.Provider;
  /** Secret values the plan refers to. */
  secrets: ServiceContext["secrets"];
  /** Where host data directories are created. */
  dockerHost?: Settings["dockerHost"];
  /** Whether data resources are protected from `pulumi destroy` (production). */
  protectData: boolean;
}

/** The FLIP logging stack of one site: network, Loki, Alloy, Grafana and the Trust APIs. */
export class LoggingStack extends pulumi.ComponentResource {
  /** The stack's Docker network. */
  readonly network: docker.Network;
  /** Loki. */
  readonly loki: Loki;
  /** Alloy. */
  readonly alloy: Alloy;
  /** Grafana. */
  readonly grafana: Grafana;
  /** The Trust API containers. */
  readonly apis: TrustApis;

  constructor(name: string, args: LoggingStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Stack", name, {}, opts);
    const { plan } = args;
    this.network = new docker.Network(
      "network",
      { name: plan.network, driver: "bridge", labels: [{ label: "org.flip.project", value: plan.siteName }] },
      { parent: this, ...(args.provider ? { provider: args.provider } : {}) },
    );
    const context: ServiceContext = {
      provider: args.provider,
      network: this.network,
      secrets: args.secrets,
      dockerHost: args.dockerHost,
      protectData: args.protectData,
    };
    this.loki = new Loki("loki", { spec: plan.loki, data: plan.data.loki, context }, { parent: this });
    this.alloy = new Alloy("alloy", { spec: plan.alloy, data: plan.data.alloy, context, after: [this.loki.container] }, { parent: this });
    this.grafana = new Grafana(
      "grafana",
      { spec: plan.grafana, data: plan.data.grafana, context, after: [this.loki.container] },
      { parent: this },
    );
    this.apis = new TrustApis("apis", { specs: plan.apis, context }, { parent: this });
    this.registerOutputs({
      network: this.network.name,
      containerNames: [this.loki.container.name, this.alloy.container.name, this.grafana.container.name],
    });
  }
}
