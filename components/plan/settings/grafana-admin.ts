/**
 * Grafana's admin user and password: their settings, and the password policy in one place: where
 * it comes from in each environment, what production requires of it, and what a render that
 * cannot read secrets says about it.
 */
import { ConfigEntry } from "./config-source";
import { always, declare, textRule } from "./declaration";

/**
 * How the Grafana admin password is known: given in config (a secret), to be generated
 * (development only), or sealed (encrypted in the stack file and unreadable here, as in `render`).
 */
export type PasswordSetting = { kind: "given"; value: string } | { kind: "generate" } | { kind: "sealed" };

/** The setting's name. */
export const ADMIN_PASSWORD_KEY = "grafanaAdminPassword";
/** The shortest password production accepts. */
export const MIN_PASSWORD_LENGTH = 12;

const SET_IT = `set it with \`pulumi config set --secret ${ADMIN_PASSWORD_KEY} <password>\``;

/** Where the rules need to know the stack: production or not, and whether secrets can be read at all. */
export interface PasswordContext {
  /** Production requires a strong password. */
  production: boolean;
  /** False in `npm run render`, which has no passphrase: a missing password is then left to `pulumi up`. */
  secretsReadable: boolean;
  /** Records a broken rule. */
  problem(message: string): void;
}

/** The password when the stack does not set it: generated in development, refused in production. */
export function unsetAdminPassword(context: PasswordContext): PasswordSetting {
  if (context.production && context.secretsReadable) {
    context.problem(`\`${ADMIN_PASSWORD_KEY}\` is not set, but production requires it; ${SET_IT}`);
  }
  return { kind: "generate" };
}

/** The password a stack sets, already known to be a secret; its text is never echoed. */
export function readAdminPassword(entry: ConfigEntry, context: PasswordContext): PasswordSetting | undefined {
  if (entry.value === undefined) {
    return { kind: "sealed" };
  }
  if (entry.value.length === 0) {
    context.problem(`\`${ADMIN_PASSWORD_KEY}\` is empty, but it must be a password; ${SET_IT}`);
    return undefined;
  }
  if (context.production && (entry.value.length < MIN_PASSWORD_LENGTH || entry.value.toLowerCase() === "admin")) {
    context.problem(
      `\`${ADMIN_PASSWORD_KEY}\` is [secret, ${entry.value.length} characters], but production requires at least ${MIN_PASSWORD_LENGTH} characters and not \`admin\``,
    );
    return undefined;
  }
  return { kind: "given", value: entry.value };
}

/** What `npm run render` warns about a production stack whose password it cannot see, if anything. */
export function adminPasswordRenderWarning(production: boolean, password: PasswordSetting): string | undefined {
  if (production && password.kind === "generate") {
    return `warning: \`${ADMIN_PASSWORD_KEY}\` is not set; \`pulumi up\` refuses production without it (${SET_IT})`;
  }
  return undefined;
}

/** Grafana's admin settings, in the order the README lists them. */
export const GRAFANA_ADMIN_SETTINGS = {
  grafanaAdminUser: declare<string>({
    description: "Grafana admin user",
    type: "string",
    defaults: always("admin"),
    allowed: "letters, digits, `.`, `_`, `-`, `@`; 1-64",
    secrecy: "plain",
    read: textRule((value) => (/^[A-Za-z0-9._@-]{1,64}$/.test(value) ? undefined : "1-64 letters, digits, `.`, `_`, `-` or `@`")),
  }),
  [ADMIN_PASSWORD_KEY]: declare<PasswordSetting>({
    description: "Grafana admin password (applied when Grafana first creates its database)",
    type: "secret string",
    defaults: always({ kind: "generate" }),
    defaultText: { development: "generated (exported as a secret)", production: "none: required" },
    allowed: "set with `--secret`; in production at least 12 characters and not `admin`",
    secrecy: "secret",
    read: readAdminPassword,
    unset: unsetAdminPassword,
  }),
};
