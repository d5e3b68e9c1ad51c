/**
 * Secret values in the pure plan. The plan never decides how a secret is kept; it only marks
 * it, so the components hand it to the engine as a secret and `containers.json` prints a
 * placeholder instead.
 */

/** Secrets the stack makes itself rather than reading from config: the Grafana password, a development certificate. */
export type MadeSecret = "grafanaAdminPassword" | "grafanaTlsCertificate" | "grafanaTlsKey";

/**
 * A value that must stay secret: its text from the stack's config (`null` where it is sealed,
 * as in `npm run render`, which has no passphrase), or one the stack makes (the Grafana password,
 * given or generated).
 */
export type SecretValue = { kind: "secret-text"; text: string | null } | { kind: "secret-ref"; ref: MadeSecret };

/** What `containers.json` and every message print instead of a secret value. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A secret from config text (`null` when sealed). */
export function secretText(text: string | null): SecretValue {
  return { kind: "secret-text", text };
}

/** Whether a value is a secret rather than plain text. */
export function isSecretValue(value: unknown): value is SecretValue {
  return typeof value === "object" && value !== null && ((value as SecretValue).kind === "secret-text" || (value as SecretValue).kind === "secret-ref");
}

/** The text a value shows wherever secrets must not appear. */
export function shown(value: string | SecretValue): string {
  return typeof value === "string" ? value : SECRET_PLACEHOLDER;
}
