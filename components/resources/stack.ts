/**
 * The FLIP logging stack of one site as a Pulumi component: it declares the plan computed by
 * `components/plan/stack.ts` and nothing else.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PasswordSetting } from "../plan/settings/grafana-admin";
import { DockerHost } from "../plan/settings/core";
import { StackPlan } from "../plan/stack";
import { Alloy } from "./alloy";
import { TrustApis } from "./apis";
import { ServiceContext } from "./container";
import { adminPasswordOutput, developmentCertificate, Grafana } from "./grafana";
import { Loki } from "./loki";

/** Arguments of the site stack component. */
export interface LoggingStackArgs {
  /** The stack's plan. */
  plan: StackPlan;
  /** The Grafana admin password setting. */
  adminPassword: PasswordSetting;
  /** Where host data directories are created. */
  dockerHost?: DockerHost;
  /** Whether data resources are protected from `pulumi destroy` (production). */
  protectData: boolean;
  /** Whether the stack makes Grafana's certificate itself (`grafanaTls: self-signed`). */
  developmentCertificate: boolean;
}

/**
 * The FLIP logging stack of one site: network, Loki, Alloy, Grafana and the Trust APIs. Give the
 * site's Docker provider in `opts.providers`; every container, image, volume and network inherits it.
 */
export class LoggingStack extends pulumi.ComponentResource {
  /** The network of Loki, Alloy and Grafana. */
  readonly loggingNetwork: docker.Network;
  /** The network of the Trust APIs. */
  readonly apiNetwork: docker.Network;
  /** Loki. */
  readonly loki: Loki;
  /** Alloy. */
  readonly alloy: Alloy;
  /** Grafana. */
  readonly grafana: Grafana;
  /** The Trust API containers. */
  readonly apis: TrustApis;
  /** The Grafana admin password, secret. */
  readonly adminPassword: pulumi.Output<string>;
  /** Every container the stack declared, in start order. */
  readonly containers: docker.Container[];

  constructor(name: string, args: LoggingStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Stack", name, {}, opts);
    const { plan } = args;
    // Declared at the root before this component existed; the alias keeps a generated password.
    this.adminPassword = adminPasswordOutput(args.adminPassword, { parent: this, aliases: [{ parent: pulumi.rootStackResource }] });
    const network = (name: string, dockerName: string) =>
      new docker.Network(name, { name: dockerName, driver: "bridge", labels: [{ label: "org.flip.project", value: plan.siteName }] }, { parent: this });
    // "network" was the stack's only network before the APIs had their own; the name keeps it in place.
    this.loggingNetwork = network("network", plan.networks.logging);
    this.apiNetwork = network("api-network", plan.networks.apis);
    const certificate = args.developmentCertificate ? developmentCertificate(plan.grafana.name, { parent: this }) : undefined;
    const context: ServiceContext = {
      networks: { [plan.networks.logging]: this.loggingNetwork, [plan.networks.apis]: this.apiNetwork },
      secrets: {
        grafanaAdminPassword: this.adminPassword,
        ...(certificate ? { grafanaTlsCertificate: certificate.certificate, grafanaTlsKey: certificate.key } : {}),
      },
      dockerHost: args.dockerHost,
      protectData: args.protectData,
    };
    this.loki = new Loki("loki", { plan: plan.loki, context }, { parent: this });
    this.alloy = new Alloy("alloy", { spec: plan.alloy, data: plan.data.alloy, context, after: [this.loki.container] }, { parent: this });
    this.grafana = new Grafana(
      "grafana",
      { spec: plan.grafana, data: plan.data.grafana, context, after: [this.loki.container] },
      { parent: this },
    );
    this.apis = new TrustApis("apis", { specs: plan.apis, context }, { parent: this });
    this.containers = [...this.loki.containers, this.alloy.container, this.grafana.container, ...this.apis.containers];
    this.registerOutputs({
      networks: [this.loggingNetwork.name, this.apiNetwork.name],
      containerNames: this.containers.map((container) => container.name),
    });
  }
}
