/**
 * The names and addresses the services share, made from the site's name: containers, networks,
 * labels, Loki's address on the logging network, and where each service keeps its data.
 */
import type { Settings } from "../settings";
import { DataVolume, MountSpec } from "./spec";

/** The settings every name is made from. */
type Site = Pick<Settings, "siteName">;

/** Port Loki listens on inside its container. */
export const LOKI_HTTP_PORT = 3100;

/** The uid of the Loki datasource Grafana is provisioned with (`datasources/loki.yml`), which the dashboard and the alert rules query. */
export const LOKI_DATASOURCE_UID = "loki";

/** The Docker label that marks a container for collection, and that the API containers carry. */
export const DISCOVERY_LABEL = { name: "org.flip.logging.enabled", value: "true" };

/** The service Alloy and Grafana reach Loki through: Loki itself, or the gateway in front of a scalable Loki. */
export function lokiEntryService(settings: Pick<Settings, "lokiMode">): string {
  return settings.lokiMode === "scalable" ? "loki-gateway" : "loki";
}

/** The `service` labels of Loki's own lines: Loki's, or a scalable Loki's writers', readers' and backend's (the gateway's lines are nginx's). */
export function lokiLogServices(settings: Pick<Settings, "lokiMode">): string[] {
  return settings.lokiMode === "scalable" ? ["loki-write", "loki-read", "loki-backend"] : ["loki"];
}

/** Loki's URL on the stack network, for Alloy and Grafana. */
export function lokiInternalUrl(settings: Pick<Settings, "siteName" | "lokiMode">): string {
  return `http://${containerName(settings, lokiEntryService(settings))}:${LOKI_HTTP_PORT}`;
}

/** The network of Loki, Alloy and Grafana: Loki is reachable from Alloy and Grafana only. */
export function loggingNetworkName(settings: Site): string {
  return `${settings.siteName}-logging`;
}

/** The network of the Trust APIs: they need no route to Loki, as Alloy reads their logs through the Docker socket. */
export function apiNetworkName(settings: Site): string {
  return `${settings.siteName}-apis`;
}

/** The fixed name of a service's container. */
export function containerName(settings: Site, service: string): string {
  return `${settings.siteName}-${service}`;
}

/** Where a service keeps its data: a named volume without a volume root, a host directory with one. */
export function dataVolume(settings: Pick<Settings, "siteName" | "volumeRoot">, service: string, target: string, uid: number, gid: number): DataVolume {
  return settings.volumeRoot === undefined
    ? { service, volumeName: `${settings.siteName}-${service}-data`, target, uid, gid }
    : { service, hostPath: `${settings.volumeRoot}/${service}`, target, uid, gid };
}

/** The mount of a data volume into its container. */
export function dataMount(volume: DataVolume): MountSpec {
  return volume.hostPath !== undefined
    ? { target: volume.target, source: volume.hostPath, type: "bind", readOnly: false }
    : { target: volume.target, source: volume.volumeName as string, type: "volume", readOnly: false };
}

/**
 * Labels every container of the stack carries: whose it is, which service it is (Alloy's
 * `project` and `service` labels), and the discovery label, so that with `collect: labelled` the
 * stack collects its own containers' logs too and its own failures are visible.
 */
export function stackLabels(settings: Site, service: string): Record<string, string> {
  return { [DISCOVERY_LABEL.name]: DISCOVERY_LABEL.value, "org.flip.project": settings.siteName, "org.flip.service": service };
}
