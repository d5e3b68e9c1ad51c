/**
 * Every rule a stack's settings can break, with one bad value each and the exact message.
 * The same table runs through parseSettings, `npm run render` and the Pulumi program.
 */
import { PRODUCTION_APIS } from "./settings";
import { TLS } from "./tls";

/**
 * One broken rule: a name, the settings that break it (raw text as in a stack file), the message,
 * and optionally settings given as secrets and whether `npm run render` can see the problem (it
 * cannot read secrets, so a key that does not match its certificate is left to `pulumi up`).
 */
export type BadSetting = [
  rule: string,
  values: Record<string, string>,
  message: string,
  options?: { secrets?: Record<string, string>; render?: "refuses" | "cannot see" },
];

/** A valid production stack; each row changes one setting of it. The password is set as a secret. */
export const PRODUCTION_BASE: Record<string, string> = {
  environment: "production",
  siteName: "leeds",
  apis: PRODUCTION_APIS,
  grafanaTlsCertificate: TLS.validCertificate,
};

/** The password the production base is given, as a secret. */
export const PRODUCTION_PASSWORD = "correct-horse-battery";

/** The secrets the production base is given with `--secret`. */
export const PRODUCTION_SECRETS: Record<string, string> = { grafanaAdminPassword: PRODUCTION_PASSWORD, grafanaTlsKey: TLS.validKey };

/** In a row, a setting of the production base that the row leaves unset. */
export const UNSET = "\u0000unset";

/** The production base with a row's changes: plain values and secret values, unset ones left out. */
export function rowConfig(values: Record<string, string>, options: BadSetting[3] = {}): { plain: Record<string, string>; secret: Record<string, string> } {
  const keep = (entries: Record<string, string>) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== UNSET));
  const plain = keep({ ...PRODUCTION_BASE, ...values });
  const secret = keep({ ...PRODUCTION_SECRETS, ...options.secrets });
  // A setting the row gives in plain text is not also given as a secret.
  for (const key of Object.keys(values)) {
    delete secret[key];
  }
  return { plain, secret };
}

/** The settings of a production stack that keeps its logs in an S3-compatible store. */
export const S3_STACK: Record<string, string> = {
  lokiStorage: "s3",
  lokiStorageSince: "2026-12-10",
  lokiS3Endpoint: "https://s3.trust.nhs.uk:9000",
  lokiS3Bucket: "flip-logs",
  lokiS3Region: "eu-west-2",
  lokiS3AccessKeyId: "FLIPLOKI",
};
/** Its secret key, set with `--secret`. */
export const S3_SECRETS: Record<string, string> = { lokiS3SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

/** The settings of a production stack that keeps its logs in Azure Blob storage. */
export const AZURE_STACK: Record<string, string> = {
  lokiStorage: "azure",
  lokiStorageSince: "2026-12-10",
  lokiAzureAccount: "leedsflip",
  lokiAzureContainer: "flip-logs",
};
/** Its account key, set with `--secret`. */
export const AZURE_SECRETS: Record<string, string> = {
  lokiAzureAccountKey: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
};

/** The rules, one row each. */
export const BAD_SETTINGS: BadSetting[] = [
  ["a port out of range", { lokiPort: "70000" }, '`lokiPort` is "70000", but it must be an integer port from 1 to 65535'],
  ["a port that is zero", { grafanaPort: "0" }, '`grafanaPort` is "0", but it must be an integer port from 1 to 65535'],
  ["a port that is not an integer", { grafanaPort: "30.5" }, '`grafanaPort` is "30.5", but it must be an integer port from 1 to 65535'],
  ["a port that is a word", { lokiPort: "http" }, '`lokiPort` is "http", but it must be an integer port from 1 to 65535'],
  [
    "a bind address that is not an IP",
    { lokiBindAddress: "localhost" },
    '`lokiBindAddress` is "localhost", but it must be an IPv4 or IPv6 address such as `127.0.0.1` or `0.0.0.0`',
  ],
  [
    "a Grafana bind address that is not an IP",
    { grafanaBindAddress: "256.1.1.1" },
    '`grafanaBindAddress` is "256.1.1.1", but it must be an IPv4 or IPv6 address such as `127.0.0.1` or `0.0.0.0`',
  ],
  [
    "a retention that is not a duration",
    { retentionPeriod: "thirty days" },
    '`retentionPeriod` is "thirty days", but it must be a duration in whole hours, days or weeks (such as `720h`, `30d` or `4w`) of at least 24h',
  ],
  [
    "a retention under 24h",
    { retentionPeriod: "12h" },
    '`retentionPeriod` is "12h", but it must be a duration in whole hours, days or weeks (such as `720h`, `30d` or `4w`) of at least 24h',
  ],
  [
    "an unknown log level",
    { logLevel: "WARN" },
    '`logLevel` is "WARN", but it must be one of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`',
  ],
  [
    "an unknown environment",
    { environment: "staging" },
    '`environment` is "staging", but it must be one of `development`, `production`',
  ],
  ["an unknown collect mode", { collect: "some" }, '`collect` is "some", but it must be one of `all`, `labelled`'],
  [
    "a relative volume root",
    { volumeRoot: "opt/flip" },
    '`volumeRoot` is "opt/flip", but it must be an absolute path without `..` or spaces, such as `/opt/flip/volumes`',
  ],
  [
    "a site name with spaces",
    { siteName: "st thomas" },
    '`siteName` is "st thomas", but it must be lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit',
  ],
  [
    "a site name with upper case",
    { siteName: "Leeds" },
    '`siteName` is "Leeds", but it must be lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit',
  ],
  [
    "a site name longer than 32 characters",
    { siteName: "a".repeat(33) },
    `\`siteName\` is "${"a".repeat(33)}", but it must be lowercase letters, digits and hyphens, at most 32 characters, starting and ending with a letter or digit`,
  ],
  [
    "duplicate API names",
    { apis: JSON.stringify([{ name: "trust-api", image: "a/b:1" }, { name: "trust-api", image: "a/c:1" }]) },
    '`name` of API `trust-api` (apis[1]) is "trust-api", but apis[0] already has that name; API names must be unique',
  ],
  [
    "an API without an image",
    { apis: JSON.stringify([{ name: "trust-api" }]) },
    "`image` of API `trust-api` (apis[0]) is missing, but every API needs an image reference such as `flip/trust-api:1.4.2`",
  ],
  [
    "an API image reference that is not valid",
    { apis: JSON.stringify([{ name: "trust-api", image: "Flip/Trust API:1" }]) },
    '`image` of API `trust-api` (apis[0]) is "Flip/Trust API:1", but it must be a Docker image reference such as `grafana/loki:3.4.0`',
  ],
  [
    "an API named like a logging service",
    { apis: JSON.stringify([{ name: "loki", image: "a/b:1" }]) },
    '`name` of API `loki` (apis[0]) is "loki", but `loki`, `alloy`, `grafana` and names starting `loki-` name the logging services themselves',
  ],
  [
    "an API that sets LOG_LEVEL itself",
    { apis: JSON.stringify([{ name: "trust-api", image: "a/b:1", env: { LOG_LEVEL: "DEBUG" } }]) },
    "`env.LOG_LEVEL` of API `trust-api` (apis[0]) is set, but `LOG_LEVEL` comes from the `logLevel` setting for every API; remove it here",
  ],
  [
    "an API with an unknown field",
    { apis: JSON.stringify([{ name: "trust-api", image: "a/b:1", ports: 80 }]) },
    "`ports` of API `trust-api` (apis[0]) is not a field of an API; allowed fields are `name`, `image`, `port`, `hostPort`, `env`",
  ],
  [
    "an API port out of range",
    { apis: JSON.stringify([{ name: "trust-api", image: "a/b:1", port: 99999 }]) },
    "`port` of API `trust-api` (apis[0]) is 99999, but it must be an integer port from 1 to 65535",
  ],
  ["apis that is not a list", { apis: ('{"name": "x"}') }, '`apis` is {"name":"x"}, but it must be a list of {name, image, port?, hostPort?, env?} objects'],
  [
    "an image override that is not a valid reference",
    { images: JSON.stringify({ loki: "grafana/loki:3.4.0 --debug" }) },
    '`images.loki` is "grafana/loki:3.4.0 --debug", but it must be a Docker image reference such as `grafana/loki:3.4.0`',
  ],
  [
    "an image override without a tag",
    { images: JSON.stringify({ grafana: "grafana/grafana" }) },
    '`images.grafana` is "grafana/grafana", but it must be pinned with a tag or digest, such as `grafana/loki:3.4.0`, so every run deploys the same image',
  ],
  [
    "an image override for an unknown service",
    { images: JSON.stringify({ promtail: "grafana/promtail:3.0.0" }) },
    "`images.promtail` is not an image of this stack; allowed keys are `loki`, `alloy`, `grafana`, `demo`, `gateway`",
  ],
  [
    "a Docker host that is neither unix:// nor ssh://",
    { dockerHost: "tcp://10.0.0.5:2375" },
    '`dockerHost` is "tcp://10.0.0.5:2375", but it must be `unix:///path/to/docker.sock` or `ssh://[user@]host[:port]`',
  ],
  [
    "an unknown restart policy",
    { restartPolicy: "sometimes" },
    '`restartPolicy` is "sometimes", but it must be one of `no`, `on-failure`, `always`, `unless-stopped`',
  ],
  ["a demo flag that is not a boolean", { demo: "yes" }, '`demo` is "yes", but it must be `true` or `false`'],
  [
    "a Grafana admin password typed in plain text",
    { grafanaAdminPassword: "hunter2hunter2" },
    "`grafanaAdminPassword` is set in plain text, but it must be a secret; set it with `pulumi config set --secret grafanaAdminPassword <value>`",
  ],
  [
    "two published services on one address and port",
    { grafanaPort: "3100", grafanaBindAddress: "127.0.0.1" },
    "`grafanaPort` is 3100 on 127.0.0.1, which `lokiPort` already publishes on 127.0.0.1; two published services cannot share a host address and port",
  ],
  [
    "a production API image on a moving tag",
    { apis: JSON.stringify([{ name: "trust-api", image: "flip/trust-api:stable" }]) },
    "`image` of API `trust-api` (apis[0]) is \"flip/trust-api:stable\", but it must be pinned to a version or an `@sha256:` digest in production, not the moving tag `stable`",
  ],
  [
    "a production image override on latest",
    { images: JSON.stringify({ alloy: "grafana/alloy:latest" }) },
    '`images.alloy` is "grafana/alloy:latest", but it must be pinned to a version or an `@sha256:` digest in production, not the moving tag `latest`',
  ],
  [
    "a production API image without a tag",
    { apis: JSON.stringify([{ name: "imaging-api", image: "flip/imaging-api" }]) },
    '`image` of API `imaging-api` (apis[0]) is "flip/imaging-api", but it must be pinned with a tag or digest, such as `grafana/loki:3.4.0`, so every run deploys the same image',
  ],
  [
    "an API host port without a container port",
    { apis: JSON.stringify([{ name: "trust-api", image: "a/b:1", hostPort: 8040 }]) },
    "`hostPort` of API `trust-api` (apis[0]) is 8040, but it publishes `port`, which is not set",
  ],
  [
    "two APIs published on the same host port",
    {
      apis: JSON.stringify([
        { name: "trust-api", image: "a/b:1", port: 8000 },
        { name: "data-access-api", image: "a/c:1", port: 8000 },
      ]),
    },
    "`port` of API `data-access-api` (apis[1]) is 8000 on 127.0.0.1, which `port` of API `trust-api` (apis[0]) already publishes on 127.0.0.1; two published services cannot share a host address and port",
  ],
  [
    "a certificate that is not PEM",
    { grafanaTlsCertificate: "not a certificate" },
    '`grafanaTlsCertificate` is "not a certificate", but it must be a PEM certificate (`-----BEGIN CERTIFICATE-----`)',
  ],
  [
    "an expired certificate",
    { grafanaTlsCertificate: TLS.expiredCertificate },
    `\`grafanaTlsCertificate\` is ${TLS.expiredCertificate.length} characters of text, but it must be a certificate that has not expired (this one expired on 2021-01-01)`,
    { secrets: { grafanaTlsKey: TLS.expiredKey } },
  ],
  [
    "a key that is not PEM",
    {},
    "`grafanaTlsKey` is [secret], but it must be a PEM private key (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----`)",
    { secrets: { grafanaTlsKey: "not a key" }, render: "cannot see" },
  ],
  [
    "a key that does not match the certificate",
    {},
    "`grafanaTlsKey` is [secret], but it must be the private key of `grafanaTlsCertificate`, which was issued for another key",
    { secrets: { grafanaTlsKey: TLS.otherKey }, render: "cannot see" },
  ],
  [
    "a TLS key typed in plain text",
    { grafanaTlsKey: TLS.validKey },
    "`grafanaTlsKey` is set in plain text, but it must be a secret; set it with `pulumi config set --secret grafanaTlsKey <value>`",
  ],
  [
    "a self-signed certificate in production",
    { grafanaTls: "self-signed", grafanaTlsCertificate: UNSET },
    "`grafanaTls` is `self-signed`, but production serves Grafana with the Trust's certificate (`certificate`) or behind the site's TLS proxy (`proxy`)",
    { secrets: { grafanaTlsKey: UNSET } },
  ],
  [
    "plain HTTP on every address in production",
    { grafanaTls: "off", grafanaBindAddress: "0.0.0.0", grafanaTlsCertificate: UNSET },
    "`grafanaTls` is `off` with `grafanaBindAddress` 0.0.0.0, but production refuses plain HTTP on a non-loopback address; use `certificate`, or `proxy` if the site's reverse proxy terminates TLS",
    { secrets: { grafanaTlsKey: UNSET } },
  ],
  [
    "a certificate with a mode that does not use it",
    { grafanaTls: "proxy" },
    "`grafanaTlsCertificate` is set, but it is used only with `grafanaTls: certificate` (the stack has `proxy`)",
    { secrets: { grafanaTlsKey: UNSET } },
  ],
  [
    "a redaction pattern that is not RE2",
    { redact: JSON.stringify([{ name: "mrn", regex: "(?<=MRN )[0-9]{7}" }]) },
    '`redact` pattern `mrn` has regex "(?<=MRN )[0-9]{7}", but it must be RE2 syntax, the dialect Alloy reads: invalid perl operator: (?<=',
  ],
  [
    "a redaction pattern with a name that is not a marker",
    { redact: JSON.stringify([{ name: "Hospital Number", regex: "H[0-9]{6}" }]) },
    '`redact` has a pattern named "Hospital Number", but a name must be 1-32 lowercase letters, digits and hyphens, starting with a letter',
  ],
  [
    "a redaction pattern that matches empty text",
    { redact: JSON.stringify([{ name: "mrn", regex: "[0-9]*" }]) },
    '`redact` pattern `mrn` has regex "[0-9]*", but it must not match empty text, or the marker would be put between characters all through the line',
  ],
  [
    "redaction patterns that are not a list of {name, regex}",
    { redact: JSON.stringify({ mrn: "[0-9]{7}" }) },
    '`redact` is {"mrn":"[0-9]{7}"}, but it must be a list of {name, regex} objects',
  ],
  [
    "an API silence shorter than 5 minutes",
    { alertSilentAfter: "2m" },
    '`alertSilentAfter` is "2m", but it must be a duration in whole minutes or hours (such as `10m` or `1h`) from 5m to 6h',
  ],
  [
    "an API silence in seconds",
    { alertSilentAfter: "600s" },
    '`alertSilentAfter` is "600s", but it must be a duration in whole minutes or hours (such as `10m` or `1h`) from 5m to 6h',
  ],
  [
    "a slow period longer than an hour",
    { alertSlowFor: "2h" },
    '`alertSlowFor` is "2h", but it must be a duration in whole minutes or hours (such as `10m` or `1h`) from 1m to 1h',
  ],
  [
    "an error percentage of 0",
    { alertErrorPercent: "0" },
    '`alertErrorPercent` is "0", but it must be a whole number of percent from 1 to 99',
  ],
  [
    "an error percentage with a percent sign",
    { alertErrorPercent: "5%" },
    '`alertErrorPercent` is "5%", but it must be a whole number of percent from 1 to 99',
  ],
  [
    "a minimum of requests that is not a number",
    { alertMinRequests: "twenty" },
    '`alertMinRequests` is "twenty", but it must be a whole number of requests from 1 to 100000',
  ],
  [
    "a slow threshold given in seconds",
    { alertSlowMs: "2s" },
    '`alertSlowMs` is "2s", but it must be a whole number of milliseconds from 1 to 600000',
  ],
  [
    "an alert recipient that is not an e-mail address",
    { alertEmailTo: "ops@trust.nhs.uk, on call", alertEmailFrom: "flip@trust.nhs.uk", alertSmtpHost: "smtp.trust.nhs.uk" },
    '`alertEmailTo` has "on call", but it must be e-mail addresses separated by commas, such as `ops@trust.nhs.uk, oncall@trust.nhs.uk`',
  ],
  [
    "an alert sender that is not an e-mail address",
    { alertEmailTo: "ops@trust.nhs.uk", alertEmailFrom: "flip", alertSmtpHost: "smtp.trust.nhs.uk" },
    '`alertEmailFrom` is "flip", but it must be one e-mail address such as `flip-alerts@trust.nhs.uk`',
  ],
  [
    "an SMTP host that is not a host name",
    { alertEmailTo: "ops@trust.nhs.uk", alertEmailFrom: "flip@trust.nhs.uk", alertSmtpHost: "smtp://smtp.trust.nhs.uk" },
    '`alertSmtpHost` is "smtp://smtp.trust.nhs.uk", but it must be a host name or IP address such as `smtp.trust.nhs.uk`',
  ],
  [
    "an SMTP port out of range",
    { alertSmtpPort: "0" },
    '`alertSmtpPort` is "0", but it must be an integer port from 1 to 65535',
  ],
  [
    "e-mail alerts without an SMTP host",
    { alertEmailTo: "ops@trust.nhs.uk", alertEmailFrom: "flip@trust.nhs.uk" },
    "`alertSmtpHost` is not set, but `alertEmailTo` and `alertEmailFrom` are: e-mail alerts need `alertEmailTo`, `alertEmailFrom` and `alertSmtpHost`",
  ],
  [
    "an SMTP user without a password",
    { alertEmailTo: "ops@trust.nhs.uk", alertEmailFrom: "flip@trust.nhs.uk", alertSmtpHost: "smtp.trust.nhs.uk", alertSmtpUser: "flip" },
    "`alertSmtpPassword` is not set, but `alertSmtpUser` is; set it with `pulumi config set --secret alertSmtpPassword <password>`, or remove `alertSmtpUser` for a relay that takes mail without logging in",
  ],
  [
    "a Teams webhook URL typed in plain text",
    { alertTeamsWebhookUrl: "https://nhs.webhook.office.com/webhookb2/abc" },
    "`alertTeamsWebhookUrl` is set in plain text, but it must be a secret; set it with `pulumi config set --secret alertTeamsWebhookUrl <value>`",
  ],
  [
    "a log level that hides the request lines the alerts read",
    { logLevel: "WARNING" },
    "`logLevel` is `WARNING`, but the APIs then write no `request.started` or `request.completed` lines (INFO), which the dashboard's request panels and the alerts on silent, failing and slow APIs read; use `INFO` or `DEBUG`",
  ],
  [
    "an unknown Loki store",
    { lokiStorage: "gcs" },
    '`lokiStorage` is "gcs", but it must be one of `filesystem`, `s3`, `azure`',
  ],
  [
    "an S3 endpoint that is not a URL",
    { ...S3_STACK, lokiS3Endpoint: "s3.trust.nhs.uk:9000" },
    '`lokiS3Endpoint` is "s3.trust.nhs.uk:9000", but it must be an `https://` URL such as `https://s3.eu-west-2.amazonaws.com`',
    { secrets: S3_SECRETS },
  ],
  [
    "a plain HTTP S3 endpoint in production",
    { ...S3_STACK, lokiS3Endpoint: "http://s3.trust.nhs.uk:9000" },
    '`lokiS3Endpoint` is "http://s3.trust.nhs.uk:9000", but it must be `https://` in production: plain HTTP would carry every log line and the keys unencrypted',
    { secrets: S3_SECRETS },
  ],
  [
    "an S3 endpoint that names the bucket",
    { ...S3_STACK, lokiS3Endpoint: "https://s3.trust.nhs.uk/flip-logs" },
    '`lokiS3Endpoint` is "https://s3.trust.nhs.uk/flip-logs", but it must be only a scheme, a host and a port: the bucket and the keys have settings of their own',
    { secrets: S3_SECRETS },
  ],
  [
    "a bucket name S3 refuses",
    { ...S3_STACK, lokiS3Bucket: "FLIP_Logs" },
    '`lokiS3Bucket` is "FLIP_Logs", but it must be 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, as S3 names buckets',
    { secrets: S3_SECRETS },
  ],
  [
    "a bucket named like an IP address",
    { ...S3_STACK, lokiS3Bucket: "192.168.1.10" },
    '`lokiS3Bucket` is "192.168.1.10", but it must be 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, as S3 names buckets, and not an IP address',
    { secrets: S3_SECRETS },
  ],
  [
    "S3 without its secret key",
    S3_STACK,
    "`lokiS3SecretAccessKey` is not set, but `lokiStorage: s3` needs it; set it with `pulumi config set --secret lokiS3SecretAccessKey <value>`",
  ],
  [
    "an S3 secret key typed in plain text",
    { ...S3_STACK, lokiS3SecretAccessKey: "wJalrXUtnFEMI/K7MDENG" },
    "`lokiS3SecretAccessKey` is set in plain text, but it must be a secret; set it with `pulumi config set --secret lokiS3SecretAccessKey <value>`",
  ],
  [
    "an S3 secret key with a quote in it",
    S3_STACK,
    '`lokiS3SecretAccessKey` is [secret], but it must be 1-128 printable characters without spaces, quotes or backslashes',
    { secrets: { lokiS3SecretAccessKey: 'abc"def' }, render: "cannot see" },
  ],
  [
    "an object store without the day it starts",
    { ...S3_STACK, lokiStorageSince: UNSET },
    "`lokiStorageSince` is not set, but `lokiStorage: s3` needs it; set it with `pulumi config set lokiStorageSince <value>`",
    { secrets: S3_SECRETS },
  ],
  [
    "a start day that is not a day",
    { ...S3_STACK, lokiStorageSince: "2026-02-30" },
    '`lokiStorageSince` is "2026-02-30", but it must be a day written `YYYY-MM-DD`, after 2024-01-01',
    { secrets: S3_SECRETS },
  ],
  [
    "S3 settings left on a filesystem stack",
    { lokiS3Bucket: "flip-logs" },
    "`lokiS3Bucket` is set, but it is used only with `lokiStorage: s3` (the stack has `filesystem`)",
  ],
  [
    "Azure settings on an S3 stack",
    { ...S3_STACK, lokiAzureContainer: "flip-logs" },
    "`lokiAzureContainer` is set, but it is used only with `lokiStorage: azure` (the stack has `s3`)",
    { secrets: S3_SECRETS },
  ],
  [
    "a container name Azure refuses",
    { ...AZURE_STACK, lokiAzureContainer: "flip--logs" },
    '`lokiAzureContainer` is "flip--logs", but it must be 3-63 lowercase letters, digits and hyphens, starting with a letter or digit, every hyphen between two of them, as Azure names containers',
    { secrets: AZURE_SECRETS },
  ],
  [
    "an Azure account name with capitals",
    { ...AZURE_STACK, lokiAzureAccount: "LeedsFlip" },
    '`lokiAzureAccount` is "LeedsFlip", but it must be 3-24 lowercase letters and digits, as Azure names storage accounts',
    { secrets: AZURE_SECRETS },
  ],
  [
    "Azure without its account key",
    AZURE_STACK,
    "`lokiAzureAccountKey` is not set, but `lokiStorage: azure` needs it; set it with `pulumi config set --secret lokiAzureAccountKey <value>`",
  ],
  [
    "scalable mode on the host's disk",
    { lokiMode: "scalable" },
    "`lokiMode` is `scalable`, but its writers, readers and backend share chunks and index only through an object store; set `lokiStorage` to `s3` or `azure` (with its settings) first",
  ],
  [
    "a mode that is not one",
    { lokiMode: "distributed" },
    '`lokiMode` is "distributed", but it must be one of `single`, `scalable`',
  ],
  [
    "more copies of a line than writers",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiWriteReplicas: "2", lokiReplicationFactor: "3" },
    "`lokiReplicationFactor` is 3, but it must be at most `lokiWriteReplicas` (2): each line is written to that many different writers",
    { secrets: S3_SECRETS },
  ],
  [
    "no writer at all",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiWriteReplicas: "0" },
    '`lokiWriteReplicas` is "0", but it must be a whole number of writers from 1 to 9',
    { secrets: S3_SECRETS },
  ],
  [
    "scalable mode while the single Loki's disk still holds lines",
    { ...S3_STACK, lokiStorageSince: "2099-01-01", lokiMode: "scalable" },
    "`lokiMode` is `scalable`, but the lines from before `lokiStorageSince` (2099-01-01) are on the single Loki's disk, which the scalable readers cannot read, until retention removes them; keep `lokiMode: single` until 2099-02-01 (a new site with no such lines sets `lokiStorageSince` to `2024-01-02`)",
    { secrets: S3_SECRETS },
  ],
  [
    "writers set for a single Loki",
    { lokiWriteReplicas: "5" },
    "`lokiWriteReplicas` is set, but it is used only with `lokiMode: scalable` (the stack has `single`)",
  ],
  [
    "Loki hosts for a single Loki",
    { lokiHosts: '["ssh://flip@10.20.0.11"]' },
    "`lokiHosts` is set, but it is used only with `lokiMode: scalable` (the stack has `single`)",
  ],
  [
    "Loki hosts that are not a list",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiHosts: "ssh://flip@10.20.0.11" },
    '`lokiHosts` is "ssh://flip@10.20.0.11", but it must be a list of 1 to 9 texts `ssh://[user@]address[:port]`, such as `["ssh://flip@10.20.0.11", "ssh://flip@10.20.0.12"]`',
    { secrets: S3_SECRETS },
  ],
  [
    "an empty list of Loki hosts",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiHosts: "[]" },
    '`lokiHosts` is [], but it must be a list of 1 to 9 texts `ssh://[user@]address[:port]`, such as `["ssh://flip@10.20.0.11", "ssh://flip@10.20.0.12"]`',
    { secrets: S3_SECRETS },
  ],
  [
    "a Loki host that is not reached over SSH",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiHosts: '["unix:///var/run/docker.sock"]' },
    '`lokiHosts[0]` is "unix:///var/run/docker.sock", but it must be `ssh://[user@]address[:port]`',
    { secrets: S3_SECRETS },
  ],
  [
    "a Loki host by name",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiHosts: '["ssh://flip@10.20.0.11", "ssh://flip@loki-b.trust.nhs.uk"]' },
    '`lokiHosts[1]` is "ssh://flip@loki-b.trust.nhs.uk", but its host must be an IPv4 address such as `10.20.0.11`, not a name: Loki advertises it to the other Loki containers, and memberlist takes only an address',
    { secrets: S3_SECRETS },
  ],
  [
    "a Loki host on loopback",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiHosts: '["ssh://flip@127.0.0.1:2222"]' },
    '`lokiHosts[0]` is "ssh://flip@127.0.0.1:2222", but its address is loopback, unspecified, link-local or multicast, which the site\'s other hosts cannot reach it on',
    { secrets: S3_SECRETS },
  ],
  [
    "a Loki host listed twice",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiHosts: '["ssh://flip@10.20.0.11", "ssh://root@10.20.0.11:2222"]' },
    '`lokiHosts[1]` is "ssh://root@10.20.0.11:2222", but it names the same host as `lokiHosts[0]`; list each Docker host once',
    { secrets: S3_SECRETS },
  ],
  [
    "a site port that a Loki container publishes on its Loki host",
    { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", lokiHosts: '["ssh://flip@10.20.0.11"]', grafanaPort: "3102" },
    "`grafanaPort` is 3102, which a Loki container publishes on its host with `lokiHosts` (ports 3101-3112, 9097-9108 and 7947-7958 are Loki's there), and the site's Docker host may be one of the Loki hosts; choose a port outside them",
    { secrets: S3_SECRETS },
  ],
  [
    "a mistyped setting name",
    { retentionPeriode: "48h" },
    "`retentionPeriode` is not a setting of this program; did you mean `retentionPeriod`?",
  ],
];
