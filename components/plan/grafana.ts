/**
 * Grafana: the operators' window on the logs, provisioned with the Loki datasource, the
 * Trust APIs dashboard and the site's alerts. Its provisioning files and its container, as data.
 */
import { ALERTING_FILES, alertSecretFiles, renderAlertRules, renderNotifications, smtpEnvironment } from "./alerting";
import { renderTrustApisDashboard } from "./dashboard";
import { DEFAULT_APIS } from "./api-settings";
import { Settings } from "./settings";
import {
  ContainerSpec,
  containerName,
  dataMount,
  dataVolume,
  DataVolume,
  lockedDown,
  LOKI_DATASOURCE_UID,
  lokiInternalUrl,
  loggingNetworkName,
  stackLabels,
  SecretFileSpec,
  UploadSpec,
} from "./spec";
import { renderTemplate } from "./templates";
import { servesHttps } from "./tls";

/** Port Grafana listens on inside its container. */
export const GRAFANA_HTTP_PORT = 3000;
/** uid the Grafana image runs as (group 0). */
export const GRAFANA_UID = 472;

/** Where Grafana reads its admin password (`GF_SECURITY_ADMIN_PASSWORD__FILE`), so no env value is secret. */
export const GRAFANA_ADMIN_PASSWORD_PATH = "/etc/grafana/secrets/admin-password";

/** Where Grafana reads its certificate and key when it serves HTTPS. */
export const GRAFANA_TLS_PATHS = { certificate: "/etc/grafana/tls/cert.pem", key: "/etc/grafana/tls/key.pem" };

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

/** Where Grafana keeps its database (users, preferences). */
export function grafanaDataVolume(settings: Settings): DataVolume {
  return dataVolume(settings, "grafana", "/var/lib/grafana", GRAFANA_UID, 0);
}

/** `https` when Grafana itself serves TLS, else `http`. */
export function grafanaScheme(settings: Settings): "https" | "http" {
  return servesHttps(settings.grafanaTls) ? "https" : "http";
}

/**
 * Grafana's certificate and key as files: the Trust's own, or a development certificate the
 * stack makes. The key is readable by group 0 only, which in the container is Grafana (472:0)
 * and root; a certificate given in plain text is an ordinary file.
 */
function tlsFiles(settings: Settings): { uploads: UploadSpec[]; secretFiles: SecretFileSpec[] } {
  if (settings.grafanaTls === "self-signed") {
    return {
      uploads: [],
      secretFiles: [
        { path: GRAFANA_TLS_PATHS.certificate, secret: { kind: "secret-ref", ref: "grafanaTlsCertificate" } },
        { path: GRAFANA_TLS_PATHS.key, secret: { kind: "secret-ref", ref: "grafanaTlsKey" } },
      ],
    };
  }
  if (settings.grafanaTls !== "certificate" || settings.grafanaTlsKey === undefined || settings.grafanaTlsCertificate === undefined) {
    return { uploads: [], secretFiles: [] };
  }
  const key = { path: GRAFANA_TLS_PATHS.key, secret: settings.grafanaTlsKey };
  const certificate = settings.grafanaTlsCertificate;
  return typeof certificate === "string"
    ? { uploads: [{ path: GRAFANA_TLS_PATHS.certificate, file: "grafana/tls/cert.pem", content: certificate }], secretFiles: [key] }
    : { uploads: [], secretFiles: [{ path: GRAFANA_TLS_PATHS.certificate, secret: certificate }, key] };
}

/** Grafana's container, keeping its database on `data`. */
export function grafanaContainer(settings: Settings, data: DataVolume): ContainerSpec {
  const https = servesHttps(settings.grafanaTls);
  const tls = tlsFiles(settings);
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
      ...(https
        ? { GF_SERVER_PROTOCOL: "https", GF_SERVER_CERT_FILE: GRAFANA_TLS_PATHS.certificate, GF_SERVER_CERT_KEY: GRAFANA_TLS_PATHS.key }
        : {}),
      ...smtpEnvironment(settings),
    },
    ports: [{ internal: GRAFANA_HTTP_PORT, external: settings.grafanaPort, ip: settings.grafanaBindAddress }],
    mounts: [dataMount(data)],
    labels: stackLabels(settings, "grafana"),
    networks: [loggingNetworkName(settings)],
    restart: settings.restartPolicy,
    healthcheck: {
      // The check only asks whether Grafana answers; the certificate names the site, not 127.0.0.1.
      test: [
        "CMD",
        "wget",
        "-q",
        ...(https ? ["--no-check-certificate"] : []),
        "-O",
        "/dev/null",
        `${grafanaScheme(settings)}://127.0.0.1:${GRAFANA_HTTP_PORT}/api/health`,
      ],
      interval: "15s",
      timeout: "5s",
      retries: 5,
      startPeriod: "30s",
    },
    user: `${GRAFANA_UID}:0`,
    uploads: [...renderGrafanaProvisioning(settings), ...tls.uploads],
    secretFiles: [
      { path: GRAFANA_ADMIN_PASSWORD_PATH, secret: { kind: "secret-ref", ref: "grafanaAdminPassword" } },
      ...tls.secretFiles,
      ...alertSecretFiles(settings),
    ],
    ...lockedDown(),
    stopGracePeriodSeconds: 30,
  };
}
