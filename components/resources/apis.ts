/** The Trust API containers as a Pulumi component. */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../plan/shared/spec";
import { declareContainer, ServiceContext } from "./container";

/** Arguments of the Trust APIs component. */
export interface TrustApisArgs {
  /** One container spec per API. */
  specs: ContainerSpec[];
  /** The stack around them. */
  context: ServiceContext;
}

/** The Trust API containers of one site. */
export class TrustApis extends pulumi.ComponentResource {
  /** The API containers, in the order of the `apis` setting. */
  readonly containers: docker.Container[];

  constructor(name: string, args: TrustApisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:TrustApis", name, {}, opts);
    this.containers = args.specs.map((spec) => declareContainer(spec, args.context, this, []));
    this.registerOutputs({ containerNames: this.containers.map((container) => container.name) });
  }
}
