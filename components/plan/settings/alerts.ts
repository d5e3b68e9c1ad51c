/**
 * The alert settings and their rules in one place: the thresholds and their ranges, what an
 * e-mail address, an SMTP host and a webhook URL must look like, and which settings a contact
 * point needs together. `parseSettings` runs the cross-checks once every setting is read.
 */
import * as net from "net";
import type { ConfigEntry } from "./config-source";
import { SecretValue, secretText } from "./secrets";
import type { LogLevel } from "./core";
import { always, code, declare, ReadContext, readPort, readSecretText, textRule, ValuesOf, wholeNumberRule } from "./declaration";

/** Smallest and largest `alertSilentAfter`, in minutes. */
export const SILENT_AFTER_RANGE = { min: 5, max: 360 };
/** Smallest and largest `alertSlowFor`, in minutes. */
export const SLOW_FOR_RANGE = { min: 1, max: 60 };
/** Smallest and largest `alertErrorPercent`. */
export const ERROR_PERCENT_RANGE = { min: 1, max: 99 };
/** Smallest and largest `alertMinRequests`. */
export const MIN_REQUESTS_RANGE = { min: 1, max: 100000 };
/** Smallest and largest `alertSlowMs`. */
export const SLOW_MS_RANGE = { min: 1, max: 600000 };

function list(keys: string[]): string {
  const named = keys.map(code);
  return named.length <= 1 ? named.join("") : `${named.slice(0, -1).join(", ")} and ${named[named.length - 1]}`;
}

/** Whole minutes from a duration the settings wrote as `<n>m` (`alertSilentAfter`, `alertSlowFor`). */
export function minutesOf(duration: string): number {
  return Number(/^([0-9]+)m$/.exec(duration)?.[1] ?? NaN);
}

/**
 * A reader of a duration in whole minutes or hours (`10m`, `1h`, `90m`) within `range` minutes,
 * kept as minutes (`60m`), the form both Grafana's `for` and a LogQL range accept.
 */
export function minutesRule(range: { min: number; max: number }): (entry: ConfigEntry, context: ReadContext) => string | undefined {
  return (entry, context) => {
    const value = entry.value as string;
    const match = /^([0-9]{1,4})([mh])$/.exec(value);
    const minutes = match ? Number(match[1]) * (match[2] === "h" ? 60 : 1) : NaN;
    if (!(minutes >= range.min && minutes <= range.max)) {
      context.problem(
        `${code(context.key)} is ${JSON.stringify(value)}, but it must be a duration in whole minutes or hours ` +
          `(such as \`10m\` or \`1h\`) from ${range.min}m to ${range.max / 60}h`,
      );
      return undefined;
    }
    return `${minutes}m`;
  };
}

// The HTML standard's "valid e-mail address" (what browsers accept in <input type=email>), without
// `$`: Grafana's file provisioning expands `$name` in contact point settings. Node has no e-mail
// validator and the runtime dependencies have none either, so this one pattern is written here.
const EMAIL_ADDRESS =
  /^[a-zA-Z0-9.!#%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Whether a text is one e-mail address Grafana can send to. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL_ADDRESS.test(value);
}

/** Reads one e-mail address. */
export const readEmailAddress = textRule((value) =>
  isEmailAddress(value) ? undefined : "one e-mail address such as `flip-alerts@trust.nhs.uk`",
);

/** Reads a list of e-mail addresses: text separated by commas or semicolons, or a YAML list. */
export function readEmailAddresses(entry: ConfigEntry, context: ReadContext): string[] | undefined {
  const value = entry.value as string;
  let given: unknown = value;
  if (value.trim().startsWith("[")) {
    try {
      given = JSON.parse(value);
    } catch {
      given = value;
    }
  }
  const addresses = Array.isArray(given)
    ? given.map((item) => (typeof item === "string" ? item.trim() : JSON.stringify(item)))
    : value.split(/[,;]/).map((item) => item.trim());
  const wrong = addresses.filter((address) => !isEmailAddress(address));
  if (addresses.length === 0 || wrong.length > 0) {
    const shown = wrong.length > 0 ? `has ${JSON.stringify(wrong[0])}` : `is ${JSON.stringify(value)}`;
    context.problem(
      `${code(context.key)} ${shown}, but it must be e-mail addresses separated by commas, such as \`ops@trust.nhs.uk, oncall@trust.nhs.uk\``,
    );
    return undefined;
  }
  return addresses;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOST_NAME = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Reads a host name or IP address. */
export const readHost = textRule((value) =>
  HOST_NAME.test(value) || net.isIP(value) !== 0 ? undefined : "a host name or IP address such as `smtp.trust.nhs.uk`",
);

/** Reads an SMTP user name. */
export const readSmtpUser = textRule((value) => (/^[^\s$]{1,128}$/.test(value) ? undefined : "1-128 characters without spaces or `$`"));

/**
 * Reads a secret webhook URL: an `http://` or `https://` URL, `https://` in production. Its text is
 * never echoed (it holds the webhook's token). A sealed URL (`npm run render`) is left for
 * `pulumi up` to check.
 */
export function readWebhookUrl(entry: ConfigEntry, context: ReadContext): SecretValue | undefined {
  if (entry.value === undefined) {
    return secretText(null);
  }
  const problem = webhookUrlProblem(entry.value, context.production);
  if (problem !== undefined) {
    context.problem(`${code(context.key)} is [secret], but ${problem}`);
    return undefined;
  }
  return secretText(entry.value);
}

/** What is wrong with a webhook URL, if anything, in words that do not repeat it. */
export function webhookUrlProblem(value: string, production: boolean): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !["http:", "https:"].includes(url.protocol) || url.hostname === "" || /\s/.test(value)) {
    return "it must be an `http://` or `https://` URL such as `https://trust.webhook.office.com/webhookb2/...`";
  }
  if (value.includes("$")) {
    // Grafana's file provisioning expands `$name` in contact point settings, even in a value it read from a file.
    return "it holds a `$`, which Grafana's provisioning would expand as a variable; URL-encode it as `%24`";
  }
  if (production && url.protocol !== "https:") {
    return "production requires an `https://` URL, so alerts and the URL's token do not cross the network in clear text";
  }
  return undefined;
}

/** The settings an e-mail contact point needs together. */
const EMAIL_KEYS = ["alertEmailTo", "alertEmailFrom", "alertSmtpHost"] as const;
/** Settings that only make sense for e-mail. */
const SMTP_EXTRAS = ["alertSmtpUser", "alertSmtpPassword"] as const;

/** Whether an e-mail contact point is set up (every rule below has passed). */
export function emailConfigured(settings: Pick<AlertValues, "alertEmailTo">): boolean {
  return settings.alertEmailTo.length > 0;
}

/** Cross-checks between alert settings, and with `logLevel`; one message per broken rule. */
export function alertSettingsProblems(settings: AlertValues & { logLevel: LogLevel }): string[] {
  const problems: string[] = [];
  const isSet = (key: (typeof EMAIL_KEYS)[number] | (typeof SMTP_EXTRAS)[number]): boolean => {
    const value = settings[key];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  };
  const given = [...EMAIL_KEYS, ...SMTP_EXTRAS].filter(isSet);
  if (given.length > 0) {
    for (const key of EMAIL_KEYS.filter((needed) => !isSet(needed))) {
      problems.push(
        `${code(key)} is not set, but ${list(given)} ${given.length === 1 ? "is" : "are"}: e-mail alerts need ${list([...EMAIL_KEYS])}`,
      );
    }
  }
  if (isSet("alertSmtpUser") && !isSet("alertSmtpPassword")) {
    problems.push(
      "`alertSmtpPassword` is not set, but `alertSmtpUser` is; set it with `pulumi config set --secret alertSmtpPassword <password>`, " +
        "or remove `alertSmtpUser` for a relay that takes mail without logging in",
    );
  }
  if (isSet("alertSmtpPassword") && !isSet("alertSmtpUser")) {
    problems.push("`alertSmtpUser` is not set, but `alertSmtpPassword` is; Grafana logs in to the SMTP server only with both");
  }
  if (!["DEBUG", "INFO"].includes(settings.logLevel)) {
    problems.push(
      `\`logLevel\` is \`${settings.logLevel}\`, but the APIs then write no \`request.started\` or \`request.completed\` lines (INFO), ` +
        "which the dashboard's request panels and the alerts on silent, failing and slow APIs read; use `INFO` or `DEBUG`",
    );
  }
  return problems;
}

/** The alert settings, in the order the README lists them. */
export const ALERT_SETTINGS = {
  alertSilentAfter: declare<string>({
    description: "Alert `API silent` when an API in `apis` has written no request line for this long",
    type: "duration",
    defaults: always("10m"),
    allowed: "whole minutes or hours (`10m`, `1h`), 5m-6h",
    secrecy: "plain",
    read: minutesRule(SILENT_AFTER_RANGE),
  }),
  alertErrorPercent: declare<number>({
    description:
      "Alert `API failing requests` when more than this percentage of an API's requests in 5 minutes end in `request.failed`, an ERROR or CRITICAL line, or a 5xx response",
    type: "integer",
    defaults: always(5),
    allowed: "1-99",
    secrecy: "plain",
    read: wholeNumberRule(ERROR_PERCENT_RANGE, "percent"),
  }),
  alertMinRequests: declare<number>({
    description: "The failing and slow alerts judge an API only when it finished at least this many requests in 5 minutes, so a quiet night pages no one",
    type: "integer",
    defaults: always(20),
    allowed: "1-100000",
    secrecy: "plain",
    read: wholeNumberRule(MIN_REQUESTS_RANGE, "requests"),
  }),
  alertSlowMs: declare<number>({
    description: "Alert `API slow` when an API's 95th percentile request time over 5 minutes is above this many milliseconds for `alertSlowFor`",
    type: "integer",
    defaults: always(2000),
    allowed: "1-600000",
    secrecy: "plain",
    read: wholeNumberRule(SLOW_MS_RANGE, "milliseconds"),
  }),
  alertSlowFor: declare<string>({
    description: "How long an API must stay slow before `API slow` fires",
    type: "duration",
    defaults: always("10m"),
    allowed: "whole minutes or hours (`10m`, `1h`), 1m-1h",
    secrecy: "plain",
    read: minutesRule(SLOW_FOR_RANGE),
  }),
  alertEmailTo: declare<string[]>({
    description: "E-mail addresses alerts are sent to (with `alertEmailFrom` and `alertSmtpHost`)",
    type: "string",
    defaults: always([]),
    defaultText: { development: "unset (no e-mail)", production: "unset (no e-mail)" },
    allowed: "e-mail addresses separated by commas, or a YAML list",
    secrecy: "plain",
    read: readEmailAddresses,
  }),
  alertEmailFrom: declare<string | undefined>({
    description: "Sender address of alert e-mails",
    type: "string",
    defaults: always(undefined),
    allowed: "one e-mail address",
    secrecy: "plain",
    read: readEmailAddress,
  }),
  alertSmtpHost: declare<string | undefined>({
    description: "SMTP server Grafana sends alert e-mails through",
    type: "string",
    defaults: always(undefined),
    allowed: "a host name or IP address",
    secrecy: "plain",
    read: readHost,
  }),
  alertSmtpPort: declare<number>({
    description: "Port of the SMTP server (587 for STARTTLS, 465 for TLS)",
    type: "integer",
    defaults: always(587),
    allowed: "1-65535",
    secrecy: "plain",
    read: readPort,
  }),
  alertSmtpUser: declare<string | undefined>({
    description: "User Grafana logs in to the SMTP server as; unset for a relay that takes mail without logging in",
    type: "string",
    defaults: always(undefined),
    allowed: "1-128 characters without spaces or `$`; needs `alertSmtpPassword`",
    secrecy: "plain",
    read: readSmtpUser,
  }),
  alertSmtpPassword: declare<SecretValue | undefined>({
    description: "Password of `alertSmtpUser`",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`",
    secrecy: "secret",
    read: readSecretText,
  }),
  alertTeamsWebhookUrl: declare<SecretValue | undefined>({
    description: "Microsoft Teams incoming webhook (or Workflows) URL alerts are posted to",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`; an `http(s)://` URL, `https://` in production",
    secrecy: "secret",
    read: readWebhookUrl,
  }),
  alertWebhookUrl: declare<SecretValue | undefined>({
    description: "URL Grafana posts alerts to as JSON (Grafana's webhook contact point)",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`; an `http(s)://` URL, `https://` in production",
    secrecy: "secret",
    read: readWebhookUrl,
  }),
};

/** The values of the alert settings. */
export type AlertValues = ValuesOf<typeof ALERT_SETTINGS>;
