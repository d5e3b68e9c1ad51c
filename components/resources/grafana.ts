/** Grafana as a Pulumi component, and where its admin password comes from. */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PasswordSetting } from "../plan/admin-password";
import { DataService, DataServiceArgs } from "./container";

/** Grafana with its data volume and provisioning; starts after Loki is ready. */
export class Grafana extends DataService {
  constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Grafana", name, args, opts);
  }
}

/**
 * The admin password as a secret output: the one given in config, or one generated for a
 * development stack (`parseSettings` has already refused production without one).
 */
export function adminPasswordOutput(setting: PasswordSetting, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  switch (setting.kind) {
    case "given":
      return pulumi.secret(setting.value);
    case "generate":
      return pulumi.secret(new random.RandomPassword("grafana-admin-password", { length: 24, special: false }, opts).result);
    case "sealed":
      throw new pulumi.RunError("`grafanaAdminPassword` could not be decrypted; check the stack's secrets provider");
  }
}
