/**
 * What Grafana is provisioned with: the Loki datasource, the Trust APIs dashboard, and the
 * site's alert rules, contact points and policy, as files under Grafana's provisioning folder,
 * with the SMTP settings and secret files the alerts need. The stack plan hands it to Grafana's
 * container (`services/grafana.ts`).
 */
import type { Settings } from "../settings";
import { DEFAULT_APIS } from "../settings/apis";
import { LOKI_DATASOURCE_UID, lokiInternalUrl } from "../shared/names";
import { ContainerContent, UploadSpec } from "../shared/spec";
import { renderTemplate } from "../shared/templates";
import {
  ALERTING_FILES,
  ALERTING_SETTING_KEYS,
  alertSecretFiles,
  renderAlertRules,
  renderNotifications,
  smtpEnvironment,
} from "./alerting";
import { renderTrustApisDashboard } from "./dashboard";

/** The settings Grafana's provisioned content is made from, and no others. */
export const PROVISIONING_SETTING_KEYS = [...ALERTING_SETTING_KEYS, "apis"] as const;
/** The provisioned content's part of the settings. */
export type ProvisioningSettings = Pick<Settings, (typeof PROVISIONING_SETTING_KEYS)[number]>;

const PROVISIONING = "grafana/provisioning";
const PROVISIONING_PATH = "/etc/grafana/provisioning";

/**
 * The API names of the dashboard's dropdown and of the alerts: the stack's APIs or, for a stack
 * that runs none itself (its APIs started by Docker Compose, say), the three FLIP APIs.
 */
export function dashboardApiNames(settings: Pick<Settings, "apis">): string[] {
  return (settings.apis.length > 0 ? settings.apis : DEFAULT_APIS).map((api) => api.name);
}

/** The provisioning files for a stack, keyed by their path under the render output folder. */
export function renderGrafanaProvisioning(settings: ProvisioningSettings): UploadSpec[] {
  const file = (relative: string, content: string): UploadSpec => ({
    file: `${PROVISIONING}/${relative}`,
    path: `${PROVISIONING_PATH}/${relative}`,
    content,
  });
  const apiNames = dashboardApiNames(settings);
  return [
    file(
      "datasources/loki.yml",
      renderTemplate(`${PROVISIONING}/datasources/loki.yml`, { lokiDatasourceUid: LOKI_DATASOURCE_UID, lokiUrl: lokiInternalUrl(settings) }),
    ),
    file("dashboards/dashboards.yml", renderTemplate(`${PROVISIONING}/dashboards/dashboards.yml`, {})),
    file("dashboards/trust-apis.json", renderTrustApisDashboard(apiNames)),
    file(ALERTING_FILES.rules, renderAlertRules(settings, apiNames)),
    file(ALERTING_FILES.notifications, renderNotifications(settings)),
  ];
}

/** Everything Grafana's container gets for its provisioned content: files, secret files and SMTP environment. */
export function grafanaContent(settings: ProvisioningSettings): ContainerContent {
  return { uploads: renderGrafanaProvisioning(settings), secretFiles: alertSecretFiles(settings), env: smtpEnvironment(settings) };
}
