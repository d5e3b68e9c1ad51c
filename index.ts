/**
 * flip-logging: the FLIP logging stack of one Trust site. Stack config -> validated settings ->
 * pure plan -> components -> outputs. Nothing is declared until every setting has been checked.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { rawConfigFromPulumi } from "./components/plan/settings/config-source";
import { grafanaScheme } from "./components/plan/services/grafana";
import { parseSettings, Settings, SettingsError } from "./components/plan/settings";
import { stackPlan } from "./components/plan/stack";
import { operatorUrl } from "./components/plan/urls";
import { LoggingStack } from "./components/resources/stack";

// Pulumi's own record of which config keys were set with --secret; it is not in the typed surface.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret: (key: string) => boolean };

/** The stack's settings, or a user error Pulumi prints as it is: no stack trace, the same text as `npm run render`. */
function readSettings(): Settings {
  try {
    return parseSettings(rawConfigFromPulumi(pulumi.runtime.allConfig(), isConfigSecret), pulumi.getStack());
  } catch (error) {
    throw error instanceof SettingsError ? new pulumi.RunError(error.message) : error;
  }
}

const settings = readSettings();
const plan = stackPlan(settings);

const stack = new LoggingStack(
  settings.siteName,
  {
    plan,
    adminPassword: settings.grafanaAdminPassword,
    dockerHost: settings.dockerHost,
    protectData: settings.environment === "production",
    developmentCertificate: settings.grafanaTls === "self-signed",
  },
  settings.dockerHost ? { providers: [new docker.Provider("docker", { host: settings.dockerHost.address })] } : {},
);

/** Where operators open Grafana; `<trust-host>` stands for the Docker host's own address when Grafana listens on all of them. */
export const grafanaUrl = operatorUrl(settings, settings.grafanaBindAddress, settings.grafanaPort, grafanaScheme(settings));
/** Loki's API on the Docker host (no authentication). */
export const lokiUrl = operatorUrl(settings, settings.lokiBindAddress, settings.lokiPort);
/** Grafana admin user. */
export const grafanaAdminUser = settings.grafanaAdminUser;
/** Grafana admin password, secret. */
export const grafanaAdminPassword = stack.adminPassword;
/** Names of every container the stack declared. */
export const containerNames = pulumi.all(stack.containers.map((container) => container.name));
/** The Docker network of Loki, Alloy and Grafana. */
export const networkName = stack.loggingNetwork.name;
/** The Docker network of the Trust APIs, which has no route to Loki. */
export const apiNetworkName = stack.apiNetwork.name;
