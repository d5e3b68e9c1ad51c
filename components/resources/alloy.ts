/** Grafana Alloy as a Pulumi component: its positions volume and its container. */
import * as pulumi from "@pulumi/pulumi";
import { DataService, DataServiceArgs } from "./container";

/** Grafana Alloy with its positions volume; starts after Loki is ready. */
export class Alloy extends DataService {
  constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Alloy", name, args, opts);
  }
}
