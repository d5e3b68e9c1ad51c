/**
 * Grafana: the operators' window on the logs. Its container, as data: how it runs, its admin
 * user, its certificate, and the content it is provisioned with (the Loki datasource, the Trust
 * APIs dashboard and the site's alerts), which `grafana/provisioning.ts` makes and the stack plan
 * hands in.
 */
import type { Settings } from "../settings";
import { servesHttps } from "../settings/tls";
import { containerName, dataMount, dataVolume, loggingNetworkName, stackLabels } from "../shared/names";
import { ContainerContent, ContainerSpec, DataVolume, lockedDown, SecretFileSpec, UploadSpec } from "../shared/spec";

/** The settings Grafana's container is made from, and no others (its provisioned content has its own). */
export const GRAFANA_SETTING_KEYS = [
  "siteName",
  "volumeRoot",
  "images",
  "grafanaPort",
  "grafanaBindAddress",
  "grafanaTls",
  "grafanaTlsCertificate",
  "grafanaTlsKey",
  "grafanaAdminUser",
  "restartPolicy",
] as const;
/** Grafana's part of the settings. */
export type GrafanaSettings = Pick<Settings, (typeof GRAFANA_SETTING_KEYS)[number]>;

/** Port Grafana listens on inside its container. */
export const GRAFANA_HTTP_PORT = 3000;
/** uid the Grafana image runs as (group 0). */
export const GRAFANA_UID = 472;

/** Where Grafana reads its admin password (`GF_SECURITY_ADMIN_PASSWORD__FILE`), so no env value is secret. */
export const GRAFANA_ADMIN_PASSWORD_PATH = "/etc/grafana/secrets/admin-password";

/** Where Grafana reads its certificate and key when it serves HTTPS. */
export const GRAFANA_TLS_PATHS = { certificate: "/etc/grafana/tls/cert.pem", key: "/etc/grafana/tls/key.pem" };

/** Where Grafana keeps its database (users, preferences). */
export function grafanaDataVolume(settings: GrafanaSettings): DataVolume {
  return dataVolume(settings, "grafana", "/var/lib/grafana", GRAFANA_UID, 0);
}

/** `https` when Grafana itself serves TLS, else `http`. */
export function grafanaScheme(settings: Pick<Settings, "grafanaTls">): "https" | "http" {
  return servesHttps(settings.grafanaTls) ? "https" : "http";
}

/**
 * Grafana's certificate and key as files: the Trust's own, or a development certificate the
 * stack makes. The key is readable by group 0 only, which in the container is Grafana (472:0)
 * and root; a certificate given in plain text is an ordinary file.
 */
function tlsFiles(settings: GrafanaSettings): { uploads: UploadSpec[]; secretFiles: SecretFileSpec[] } {
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

/** Grafana's container, keeping its database on `data` and provisioned with `content`. */
export function grafanaContainer(settings: GrafanaSettings, data: DataVolume, content: ContainerContent): ContainerSpec {
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
      ...content.env,
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
    uploads: [...content.uploads, ...tls.uploads],
    secretFiles: [
      { path: GRAFANA_ADMIN_PASSWORD_PATH, secret: { kind: "secret-ref", ref: "grafanaAdminPassword" } },
      ...tls.secretFiles,
      ...content.secretFiles,
    ],
    ...lockedDown(),
    stopGracePeriodSeconds: 30,
  };
}
