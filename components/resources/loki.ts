/** Grafana Loki as a Pulumi component: its data volume and its container. */
import * as pulumi from "@pulumi/pulumi";
import { DataService, DataServiceArgs } from "./container";

/** Grafana Loki with its data volume. */
export class Loki extends DataService {
  constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Loki", name, args, opts);
  }
}
