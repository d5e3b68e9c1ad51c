/** The addresses an operator types into a browser or curl, from the settings. */
import type { Settings } from "./settings";
import { isWildcard } from "./settings/declaration";

/** What stands in a URL for the Docker host's own address, when a service listens on all of them. */
export const HOST_PLACEHOLDER = "<trust-host>";

/**
 * The URL of a service published on `ip:port`. A wildcard bind has no one address: the URL names
 * the remote Docker host when there is one, and otherwise the placeholder the README explains.
 */
export function operatorUrl(settings: Pick<Settings, "dockerHost">, ip: string, port: number, scheme = "http"): string {
  let host: string;
  if (isWildcard(ip)) {
    host = settings.dockerHost?.kind === "ssh" ? settings.dockerHost.host : HOST_PLACEHOLDER;
  } else {
    host = ip;
  }
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
