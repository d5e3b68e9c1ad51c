/** Raw config for tests, written as a stack file would give it. */
import { ConfigEntry, rawConfig, RawConfig } from "../../components/plan/settings/config-source";
import { TLS } from "./tls";

/** A production API list with pinned images, as a production stack must give. */
export const PRODUCTION_APIS = JSON.stringify([
  { name: "trust-api", image: "flip/trust-api:1.0.0", port: 8000 },
  { name: "data-access-api", image: "flip/data-access-api:1.0.0", port: 8010 },
  { name: "imaging-api", image: "flip/imaging-api:1.0.0", port: 8020 },
]);

/** Raw config from plain values and secret values, by setting name. */
export function configOf(values: Record<string, string>, secrets: Record<string, string> = {}): RawConfig {
  const entries: Record<string, ConfigEntry> = {};
  for (const [key, value] of Object.entries(values)) {
    entries[key] = { value, secret: false };
  }
  for (const [key, value] of Object.entries(secrets)) {
    entries[key] = { value, secret: true };
  }
  return rawConfig(entries);
}

/** A valid production stack's config with `changes` on top. */
export function productionConfig(changes: Record<string, string> = {}, password = "correct-horse-battery"): RawConfig {
  return configOf(
    { environment: "production", apis: PRODUCTION_APIS, grafanaTlsCertificate: TLS.validCertificate, ...changes },
    { grafanaAdminPassword: password, grafanaTlsKey: TLS.validKey },
  );
}
