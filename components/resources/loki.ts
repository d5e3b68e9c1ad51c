/** Grafana Loki as a Pulumi component: its containers and their data volumes, as the plan lists them. */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LokiPlan } from "../plan/services/loki";
import { resourceName } from "../plan/shared/spec";
import { declareContainer, declareDataVolume, ServiceContext } from "./container";

/** Arguments of the Loki component. */
export interface LokiArgs {
  /** Loki's part of the stack plan. */
  plan: LokiPlan;
  /** The stack around it. */
  context: ServiceContext;
}

/** Grafana Loki with its data: one container, or a scalable site's writers, backend, readers and gateway. */
export class Loki extends pulumi.ComponentResource {
  /** Every Loki container, in the plan's order. */
  readonly containers: docker.Container[];
  /** The container Alloy and Grafana reach Loki through: Loki itself, or the gateway. */
  readonly container: docker.Container;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Loki", name, {}, opts);
    const declared = new Map<string, docker.Container>();
    for (const node of args.plan.nodes) {
      const data = node.data === null ? [] : [declareDataVolume(node.data, args.context, this)];
      const after = node.after.map((before) => declared.get(before) as docker.Container);
      declared.set(resourceName(node.spec), declareContainer(node.spec, args.context, this, [...data, ...after]));
    }
    this.containers = [...declared.values()];
    this.container = this.containers[this.containers.length - 1];
    this.registerOutputs({ containerName: this.container.name });
  }
}
