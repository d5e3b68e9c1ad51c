/**
 * Grafana: the operators' window on the logs, provisioned with the Loki datasource, the
 * Trust APIs dashboard and the site's alerts. Its provisioning files and its container, as data.
 */
import { ALERTING_FILES, alertSecretFiles, renderAlertRules, renderNotifications, smtpEnvironment } from "./alerting";
import { renderTrustApisDashboard } from "./dashboard";
import { DEFAULT_APIS, Settings } from "./settings";
import {
  ContainerSpec,
  containerName,
  dataMount,
  dataVolume,
  DataVolume,
  lockedDown,
  lokiInternalUrl,
  networkName,
  stackLabels,
  UploadSpec,
} from "./spec";
import { renderTemplate } from "./templates";

/** Port Grafana listens on inside its container. */
export const GRAFANA_HTTP_PORT = 3000;
/** uid the Grafana image runs as (group 0). */
export const GRAFANA_UID = 472;

/** Where Grafana reads its admin password (`GF_SECURITY_ADMIN_PASSWORD__FILE`), so no env value is secret. */
export const GRAFANA_ADMIN_PASSWORD_PATH = "/etc/grafana/secrets/admin-password";

const PROVISIONING = "grafana/provisioning";
const PROVISIONING_PATH = "/etc/grafana/provisioning";

/**
 * The API names of the dashboard's dropdown and of the alerts: the stack's APIs or, for a stack
 * that runs none itself (its APIs started by Docker Compose, say), the three FLIP APIs.
 */
export function dashboardApiNames(settings: Settings): string[] {
  return (settings.apis.length > 0 ? settings.apis : DEFAULT_APIS).map((api) => api.name);
}

/** The provisioning files for a stack, keyed by their path under the render output folder. */
export function renderGrafanaProvisioning(settings: Settings): UploadSpec[] {
  const file = (relative: string, content: string): UploadSpec => ({
    file: `${PROVISIONING}/${relative}`,
    path: `${PROVISIONING_PATH}/${relative}`,
    content,
  });
  return [
    file("datasources/loki.yml", renderTemplate(`${PROVISIONING}/datasources/loki.yml`, { lokiUrl: lokiInternalUrl(settings) })),
    file("dashboards/dashboards.yml", renderTemplate(`${PROVISIONING}/dashboards/dashboards.yml`, {})),
    file("dashboards/trust-apis.json", renderTrustApisDashboard(dashboardApiNames(settings))),
    file(ALERTING_FILES.rules, renderAlertRules(settings, dashboardApiNames(settings))),
    file(ALERTING_FILES.notifications, renderNotifications(settings)),
  ];
}

/** Where Grafana keeps its database (users, preferences). */
export function grafanaDataVolume(settings: Settings): DataVolume {
  return dataVolume(settings, "grafana", "/var/lib/grafana", GRAFANA_UID, 0);
}

/** Grafana's container, keeping its database on `data`. */
export function grafanaContainer(settings: Settings, data: DataVolume): ContainerSpec {
  return {
    service: "grafana",
    name: containerName(settings, "grafana"),
    image: settings.images.grafana,
    command: [],
    env: {
      GF_SECURITY_ADMIN_USER: settings.grafanaAdminUser,
      // A file, not a value: a secret env value would make Grafana's whole environment secret in previews.
      GF_SECURITY_ADMIN_PASSWORD__FILE: GRAFANA_ADMIN_PASSWORD_PATH,
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      // Sites may be air-gapped: nothing phones home.
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
      GF_ANALYTICS_FEEDBACK_LINKS_ENABLED: "false",
      GF_NEWS_NEWS_FEED_ENABLED: "false",
      GF_SECURITY_DISABLE_GRAVATAR: "true",
      GF_SNAPSHOTS_EXTERNAL_ENABLED: "false",
      ...smtpEnvironment(settings),
    },
    ports: [{ internal: GRAFANA_HTTP_PORT, external: settings.grafanaPort, ip: settings.grafanaBindAddress }],
    mounts: [dataMount(data)],
    labels: stackLabels(settings, "grafana"),
    networks: [networkName(settings)],
    restart: settings.restartPolicy,
    healthcheck: {
      test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${GRAFANA_HTTP_PORT}/api/health`],
      interval: "15s",
      timeout: "5s",
      retries: 5,
      startPeriod: "30s",
    },
    user: `${GRAFANA_UID}:0`,
    uploads: renderGrafanaProvisioning(settings),
    secretFiles: [
      { path: GRAFANA_ADMIN_PASSWORD_PATH, secret: { kind: "secret-ref", ref: "grafanaAdminPassword" } },
      ...alertSecretFiles(settings),
    ],
    ...lockedDown(),
    stopGracePeriodSeconds: 30,
  };
}
