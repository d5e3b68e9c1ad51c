/** Grafana Loki as a Pulumi component: its containers and their data volumes, as the plan lists them. */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LokiPlan } from "../plan/services/loki";
import { resourceName } from "../plan/shared/spec";
import type { SshDockerHost } from "../plan/settings/core";
import { declareContainer, declareDataVolume, ServiceContext } from "./container";

/** Arguments of the Loki component. */
export interface LokiArgs {
  /** Loki's part of the stack plan. */
  plan: LokiPlan;
  /** The stack around it. */
  context: ServiceContext;
}

/**
 * Grafana Loki with its data: one container, or a scalable site's writers, backend, readers and
 * gateway. A container on one of `lokiHosts` is declared through that host's own Docker provider,
 * one per host, named after its address so that reordering the list renames none; its data
 * directory is made over SSH on that host.
 */
export class Loki extends pulumi.ComponentResource {
  /** Every Loki container, in the plan's order. */
  readonly containers: docker.Container[];
  /** The container Alloy and Grafana reach Loki through: Loki itself, or the gateway. */
  readonly container: docker.Container;
  /** The Docker providers of the site's Loki hosts, by address; none without `lokiHosts`. */
  private readonly hostProviders = new Map<string, docker.Provider>();

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Loki", name, {}, opts);
    const declared = new Map<string, docker.Container>();
    for (const node of args.plan.nodes) {
      const context = node.spec.host === undefined ? args.context : this.hostContext(node.spec.host, args.context);
      const data = node.data === null ? [] : [declareDataVolume(node.data, context, this)];
      const after = node.after.map((before) => declared.get(before) as docker.Container);
      declared.set(resourceName(node.spec), declareContainer(node.spec, context, this, [...data, ...after]));
    }
    this.containers = [...declared.values()];
    this.container = this.containers[this.containers.length - 1];
    this.registerOutputs({ containerName: this.container.name });
  }

  /** The context of a container on a Loki host: that host's provider, made once, and its SSH address for data directories. */
  private hostContext(host: SshDockerHost, context: ServiceContext): ServiceContext {
    let provider = this.hostProviders.get(host.host);
    if (provider === undefined) {
      provider = new docker.Provider(`docker-${host.host}`, { host: host.address }, { parent: this });
      this.hostProviders.set(host.host, provider);
    }
    return { ...context, dockerHost: host, provider };
  }
}
