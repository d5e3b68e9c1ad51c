/**
 * flip-logging: the FLIP logging stack of one Trust site. Stack config -> validated settings ->
 * pure plan -> components -> outputs. Nothing is declared until every setting has been checked.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parseSettings, rawConfigFromPulumi, Settings } from "./components/settings";
import { LoggingStack, planContainers, stackPlan } from "./components/stack";

// Pulumi's own record of which config keys were set with --secret; it is not in the typed surface.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret: (key: string) => boolean };

const settings: Settings = parseSettings(
  rawConfigFromPulumi(pulumi.runtime.allConfig(), isConfigSecret),
  pulumi.getStack(),
);
const plan = stackPlan(settings);

const provider = settings.dockerHost
  ? new docker.Provider("docker", { host: settings.dockerHost.address })
  : undefined;

function adminPassword(): pulumi.Output<string> {
  switch (settings.grafanaAdminPassword.kind) {
    case "given":
      return pulumi.secret(settings.grafanaAdminPassword.value);
    case "generate":
      return new random.RandomPassword("grafana-admin-password", { length: 24, special: false }).result;
    case "sealed":
      throw new Error("`grafanaAdminPassword` could not be decrypted; check the stack's secrets provider");
  }
}
const grafanaPassword = adminPassword();

const stack = new LoggingStack(settings.siteName, {
  plan,
  provider,
  secrets: { grafanaAdminPassword: grafanaPassword },
  dockerHost: settings.dockerHost,
  protectData: settings.environment === "production",
});

function hostForUrl(ip: string): string {
  if (ip === "0.0.0.0" || ip === "::") {
    return settings.dockerHost?.kind === "ssh" ? settings.dockerHost.host : "localhost";
  }
  return ip.includes(":") ? `[${ip}]` : ip;
}

/** Where operators open Grafana (on the Docker host). */
export const grafanaUrl = `http://${hostForUrl(settings.grafanaBindAddress)}:${settings.grafanaPort}`;
/** Loki's API on the Docker host (no authentication). */
export const lokiUrl = `http://${hostForUrl(settings.lokiBindAddress)}:${settings.lokiPort}`;
/** Grafana admin user. */
export const grafanaAdminUser = settings.grafanaAdminUser;
/** Grafana admin password, secret. */
export const grafanaAdminPassword = pulumi.secret(grafanaPassword);
/** Names of every container of the stack. */
export const containerNames = planContainers(plan).map((spec) => spec.name);
/** The stack's Docker network. */
export const networkName = stack.network.name;
