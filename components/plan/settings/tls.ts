/**
 * Grafana's address and HTTPS: the settings (`grafanaTls`, the Trust's certificate and key,
 * `grafanaBindAddress`), which modes a site may choose, and the checks of a certificate and key,
 * made with Node's own X.509 and key objects (no hand-written PEM parsing).
 */
import * as crypto from "crypto";
import { always, code, declare, Environment, ipRule, oneOf, textRule, ValuesOf } from "./declaration";
import { SECRET_PLACEHOLDER, SecretValue, secretText } from "./secrets";

/**
 * How Grafana is served: with a certificate made for development (`self-signed`), with the
 * Trust's certificate (`certificate`), as plain HTTP behind the site's own TLS proxy (`proxy`,
 * bound to the address the proxy reaches), or as plain HTTP (`off`, loopback only in production).
 */
export type GrafanaTlsMode = "self-signed" | "certificate" | "proxy" | "off";

/** Every mode, in the order the README lists them. */
export const GRAFANA_TLS_MODES: readonly GrafanaTlsMode[] = ["self-signed", "certificate", "proxy", "off"];

/** A certificate must stay valid at least this long after a deployment, so it is renewed in time. */
export const MIN_CERTIFICATE_DAYS_LEFT = 14;

/** Whether Grafana itself speaks HTTPS in a mode. */
export function servesHttps(mode: GrafanaTlsMode): boolean {
  return mode === "self-signed" || mode === "certificate";
}

/** Whether an address is on the host's loopback interface only. */
export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.");
}

/** The text of a certificate or key, where it can be read: plain text, or a secret that is not sealed. */
export function readableText(value: string | SecretValue | undefined): string | undefined {
  if (typeof value === "string") {
    return value;
  }
  return value?.kind === "secret-text" && value.text !== null ? value.text : undefined;
}

/** What `npm run render` warns about a production stack whose certificate or key it cannot see, if anything. */
export function tlsRenderWarnings(mode: GrafanaTlsMode, certificate: unknown, key: unknown): string[] {
  if (mode !== "certificate") {
    return [];
  }
  return [
    ...(certificate === undefined ? ["warning: `grafanaTlsCertificate` is not set; `pulumi up` refuses `grafanaTls: certificate` without it"] : []),
    ...(key === undefined ? ["warning: `grafanaTlsKey` is not set; `pulumi up` refuses `grafanaTls: certificate` without it"] : []),
  ];
}

/** What is wrong with a certificate's PEM text, if anything; `now` decides expiry. */
export function certificateProblem(pem: string, now: Date): string | undefined {
  let certificate: crypto.X509Certificate;
  try {
    certificate = new crypto.X509Certificate(pem);
  } catch {
    return "a PEM certificate (`-----BEGIN CERTIFICATE-----`)";
  }
  const validTo = new Date(certificate.validTo);
  const daysLeft = (validTo.getTime() - now.getTime()) / 86_400_000;
  if (daysLeft < MIN_CERTIFICATE_DAYS_LEFT) {
    const when = validTo.toISOString().slice(0, 10);
    return daysLeft < 0
      ? `a certificate that has not expired (this one expired on ${when})`
      : `a certificate valid for at least ${MIN_CERTIFICATE_DAYS_LEFT} more days (this one expires on ${when}); renew it first`;
  }
  return undefined;
}

/** What is wrong with a private key's PEM text, if anything; the key itself is never echoed. */
export function keyProblem(pem: string): string | undefined {
  try {
    crypto.createPrivateKey(pem);
    return undefined;
  } catch {
    return "a PEM private key (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----`)";
  }
}

/** Whether a readable certificate and key belong together. */
export function certificateMatchesKey(certificatePem: string, keyPem: string): boolean {
  return new crypto.X509Certificate(certificatePem).checkPrivateKey(crypto.createPrivateKey(keyPem));
}

/**
 * The rules between Grafana's TLS settings: what production allows, which settings go together,
 * and the certificate and key themselves wherever they can be read (`npm run render` cannot read
 * secrets, so it checks only a certificate given in plain text).
 */
export function grafanaTlsProblems(settings: TlsValues & { environment: Environment }, now: Date, secretsReadable: boolean): string[] {
  const problems: string[] = [];
  const { grafanaTls: mode, grafanaTlsCertificate: certificate, grafanaTlsKey: key } = settings;
  const production = settings.environment === "production";
  if (production && mode === "self-signed") {
    problems.push(
      "`grafanaTls` is `self-signed`, but production serves Grafana with the Trust's certificate (`certificate`) or behind the site's TLS proxy (`proxy`)",
    );
  }
  if (production && !servesHttps(mode) && mode !== "proxy" && !isLoopback(settings.grafanaBindAddress)) {
    problems.push(
      `\`grafanaTls\` is \`${mode}\` with \`grafanaBindAddress\` ${settings.grafanaBindAddress}, but production refuses plain HTTP on a non-loopback address; ` +
        "use `certificate`, or `proxy` if the site's reverse proxy terminates TLS",
    );
  }
  if (mode !== "certificate") {
    for (const [name, value] of [["grafanaTlsCertificate", certificate], ["grafanaTlsKey", key]] as const) {
      if (value !== undefined) {
        problems.push(`${code(name)} is set, but it is used only with \`grafanaTls: certificate\` (the stack has \`${mode}\`)`);
      }
    }
    return problems;
  }
  // A render cannot read secrets; like the password, a missing certificate or key is left to `pulumi up`.
  if (certificate === undefined && secretsReadable) {
    problems.push("`grafanaTlsCertificate` is not set, but `grafanaTls: certificate` needs the Trust's certificate; set it with `pulumi config set grafanaTlsCertificate < cert.pem`");
  }
  if (key === undefined && secretsReadable) {
    problems.push("`grafanaTlsKey` is not set, but `grafanaTls: certificate` needs its private key; set it with `pulumi config set --secret grafanaTlsKey < key.pem`");
  }
  const certificateText = readableText(certificate);
  const keyText = readableText(key);
  const certificateFault = certificateText === undefined ? undefined : certificateProblem(certificateText, now);
  const keyFault = keyText === undefined ? undefined : keyProblem(keyText);
  if (certificateFault) {
    const shown =
      typeof certificate !== "string" ? SECRET_PLACEHOLDER : certificate.length <= 60 ? JSON.stringify(certificate) : `${certificate.length} characters of text`;
    problems.push(`\`grafanaTlsCertificate\` is ${shown}, but it must be ${certificateFault}`);
  }
  if (keyFault) {
    problems.push(`\`grafanaTlsKey\` is ${SECRET_PLACEHOLDER}, but it must be ${keyFault}`);
  }
  if (certificateText !== undefined && keyText !== undefined && !certificateFault && !keyFault && !certificateMatchesKey(certificateText, keyText)) {
    problems.push("`grafanaTlsKey` is [secret], but it must be the private key of `grafanaTlsCertificate`, which was issued for another key");
  }
  return problems;
}


/** Grafana's address and TLS settings, in the order the README lists them. */
export const TLS_SETTINGS = {
  grafanaTls: declare<GrafanaTlsMode>({
    description:
      "How Grafana is served: HTTPS with a certificate made for development, HTTPS with the Trust's certificate, plain HTTP behind the site's own TLS proxy, or plain HTTP",
    type: "string",
    defaults: (context) => (context.environment === "production" ? "certificate" : "self-signed"),
    allowed: "`self-signed`, `certificate`, `proxy`, `off`; production: `certificate`, `proxy`, or `off` on a loopback address",
    secrecy: "plain",
    read: oneOf(GRAFANA_TLS_MODES),
  }),
  grafanaTlsCertificate: declare<string | SecretValue | undefined>({
    description: "The Trust's certificate for Grafana, PEM, with any intermediates after it (`pulumi config set grafanaTlsCertificate < cert.pem`)",
    type: "PEM text",
    defaults: always(undefined),
    defaultText: { development: "unset", production: "none: required with `grafanaTls: certificate`" },
    allowed: "a PEM certificate valid for at least 14 more days, matching `grafanaTlsKey`; plain or secret",
    secrecy: "either",
    read: (entry) => (entry.secret ? secretText(entry.value ?? null) : entry.value),
  }),
  grafanaTlsKey: declare<SecretValue | undefined>({
    description: "The private key of `grafanaTlsCertificate`, PEM (`pulumi config set --secret grafanaTlsKey < key.pem`)",
    type: "secret PEM text",
    defaults: always(undefined),
    defaultText: { development: "unset", production: "none: required with `grafanaTls: certificate`" },
    allowed: "set with `--secret`; a PEM private key",
    secrecy: "secret",
    read: (entry) => secretText(entry.value ?? null),
  }),
  grafanaBindAddress: declare<string>({
    description: "Host address Grafana is published on",
    type: "string",
    defaults: (context) => (context.earlier?.grafanaTls === "proxy" ? "127.0.0.1" : "0.0.0.0"),
    defaultText: { development: "`0.0.0.0`; `127.0.0.1` with `grafanaTls: proxy`", production: "`0.0.0.0`; `127.0.0.1` with `grafanaTls: proxy`" },
    defaultFollows: ["grafanaTls"],
    allowed: "an IPv4 or IPv6 address",
    secrecy: "plain",
    read: textRule(ipRule),
  }),
};

/** The values of the TLS settings. */
export type TlsValues = ValuesOf<typeof TLS_SETTINGS>;
