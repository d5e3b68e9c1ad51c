/**
 * Where Loki keeps chunks and index: the host's disk (`filesystem`), an S3-compatible store
 * (`s3`) or Azure Blob storage (`azure`). The settings, one per field of each store, and the
 * rules between them. The keys of each store are checked against Loki v3.4.0's own: see
 * `services/loki.ts`, which renders them.
 */
import * as net from "net";
import type { ConfigEntry } from "./config-source";
import { always, code, declare, Declaration, Environment, oneOf, ReadContext, readBoolean, readSecretText, setAwayFromDefault, textRule, ValuesOf } from "./declaration";
import { SecretValue } from "./secrets";

/** Where Loki keeps chunks and index. */
export type LokiStorage = "filesystem" | "s3" | "azure";

/** Every store, in the order the README lists them. */
export const LOKI_STORAGES: readonly LokiStorage[] = ["filesystem", "s3", "azure"];

/**
 * S3's rules for a bucket name (Amazon S3 User Guide, "General purpose bucket naming rules"):
 * 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a
 * letter or digit, no two dots in a row, not an IP address, not starting with `xn--` or `sthree-`
 * and not ending with `-s3alias` or `--ol-s3`. Path-style addressing, which the stack uses, takes
 * dotted names too.
 */
export function bucketNameProblem(name: string): string | undefined {
  const allowed = "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, as S3 names buckets";
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes("..")) return allowed;
  if (net.isIPv4(name)) return `${allowed}, and not an IP address`;
  if (/^(xn--|sthree-)/.test(name) || /(-s3alias|--ol-s3)$/.test(name)) return `${allowed}, without the prefixes and suffixes S3 reserves`;
  return undefined;
}

/**
 * Azure's rules for a blob container name (Azure Storage docs, "Naming and referencing
 * containers, blobs, and metadata"): 3-63 lowercase letters, digits and hyphens, starting with a
 * letter or digit, every hyphen between letters or digits.
 */
export function containerNameProblem(name: string): string | undefined {
  return /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(name)
    ? undefined
    : "3-63 lowercase letters, digits and hyphens, starting with a letter or digit, every hyphen between two of them, as Azure names containers";
}

/**
 * What is wrong with an object store's endpoint, if anything: an `http(s)://` URL of a host and
 * optional port only, `https://` in production, where the chunks hold patient-adjacent logs.
 */
export function endpointProblem(value: string, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "an `https://` URL such as `https://s3.eu-west-2.amazonaws.com`";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "an `https://` URL such as `https://s3.eu-west-2.amazonaws.com`";
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    return "only a scheme, a host and a port: the bucket and the keys have settings of their own";
  }
  if (production && url.protocol === "http:") return "`https://` in production: plain HTTP would carry every log line and the keys unencrypted";
  return undefined;
}

/** The S3 endpoint as Loki takes it: without a trailing slash. */
const readEndpoint: Declaration<string | undefined>["read"] = (entry, context) => {
  const value = entry.value as string;
  const problem = endpointProblem(value, context.production);
  if (problem !== undefined) {
    context.problem(`${code(context.key)} is ${JSON.stringify(value)}, but it must be ${problem}`);
    return undefined;
  }
  return value.replace(/\/$/, "");
};

/** The first day of the filesystem period every site has had since the stack began (`loki-config.yml`). */
export const FILESYSTEM_PERIOD_FROM = "2024-01-01";

/** Reads the first day whose logs go to the object store: a real `YYYY-MM-DD` after the filesystem period began. */
const readSince = textRule((value) => {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const valid = day !== null && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  return valid && value > FILESYSTEM_PERIOD_FROM ? undefined : `a day written \`YYYY-MM-DD\`, after ${FILESYSTEM_PERIOD_FROM}`;
});

/**
 * A reader of a secret key that Loki reads from its environment into a double-quoted YAML
 * string (`-config.expand-env`): the text must pass `rule`, which is never shown the user.
 */
function readSecretKey(allowed: string, pattern: RegExp): (entry: ConfigEntry, context: ReadContext) => SecretValue | undefined {
  return (entry, context) => {
    if (entry.value !== undefined && entry.value.length > 0 && !pattern.test(entry.value)) {
      context.problem(`${code(context.key)} is [secret], but it must be ${allowed}`);
      return undefined;
    }
    return readSecretText(entry, context);
  };
}

/** The object storage settings, in the order the README lists them. */
export const STORAGE_SETTINGS = {
  lokiStorage: declare<LokiStorage>({
    description:
      "Where Loki keeps chunks and index: the host's disk under `volumeRoot`, an S3-compatible store or Azure Blob storage (the `lokiS3*` or `lokiAzure*` settings). Loki's write-ahead log stays on the host's disk",
    type: "string",
    defaults: always("filesystem"),
    allowed: "`filesystem`, `s3`, `azure`",
    secrecy: "plain",
    read: oneOf(LOKI_STORAGES),
  }),
  lokiStorageSince: declare<string | undefined>({
    description:
      "First day (UTC) whose logs Loki writes to the object store. Earlier days stay readable on the host's disk until retention removes them; when moving a running site, choose a day after tomorrow, as lines already written for that day would not be found",
    type: "string",
    defaults: always(undefined),
    allowed: `a day \`YYYY-MM-DD\` after ${FILESYSTEM_PERIOD_FROM}; needed with \`s3\` and \`azure\``,
    secrecy: "plain",
    read: readSince,
  }),
  lokiS3Endpoint: declare<string | undefined>({
    description: "URL of the S3-compatible store, without the bucket",
    type: "string",
    defaults: always(undefined),
    allowed: "an `http(s)://` URL of a host and port; `https://` in production",
    secrecy: "plain",
    read: readEndpoint,
  }),
  lokiS3Bucket: declare<string | undefined>({
    description: "Bucket that holds the chunks and index; create it before `pulumi up`",
    type: "string",
    defaults: always(undefined),
    allowed: "an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens",
    secrecy: "plain",
    read: textRule(bucketNameProblem),
  }),
  lokiS3Region: declare<string | undefined>({
    description: "Region of the bucket (any name an S3-compatible server accepts, such as `us-east-1`)",
    type: "string",
    defaults: always(undefined),
    allowed: "lowercase letters, digits and hyphens, such as `eu-west-2`",
    secrecy: "plain",
    read: textRule((value) => (/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(value) ? undefined : "lowercase letters, digits and hyphens, such as `eu-west-2`")),
  }),
  lokiS3AccessKeyId: declare<string | undefined>({
    description: "Access key id Loki signs its requests with",
    type: "string",
    defaults: always(undefined),
    allowed: "1-128 letters, digits and `+/=_-`",
    secrecy: "plain",
    read: textRule((value) => (/^[A-Za-z0-9+/=_-]{1,128}$/.test(value) ? undefined : "1-128 letters, digits and `+/=_-`")),
  }),
  lokiS3SecretAccessKey: declare<SecretValue | undefined>({
    description: "Secret access key of `lokiS3AccessKeyId`; reaches Loki as an environment variable, never in its config file",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`: 1-128 printable characters without spaces, quotes or backslashes",
    secrecy: "secret",
    read: readSecretKey("1-128 printable characters without spaces, quotes or backslashes", /^[!#-[\]-~]{1,128}$/),
  }),
  lokiS3PathStyle: declare<boolean>({
    description: "Address the bucket in the URL's path (`https://host/bucket`), as most S3-compatible servers need, instead of in the host name",
    type: "boolean",
    defaults: always(true),
    allowed: "`true`, `false`",
    secrecy: "plain",
    read: readBoolean,
  }),
  lokiAzureAccount: declare<string | undefined>({
    description: "Azure storage account that holds the chunks and index",
    type: "string",
    defaults: always(undefined),
    allowed: "3-24 lowercase letters and digits",
    secrecy: "plain",
    read: textRule((value) => (/^[a-z0-9]{3,24}$/.test(value) ? undefined : "3-24 lowercase letters and digits, as Azure names storage accounts")),
  }),
  lokiAzureContainer: declare<string | undefined>({
    description: "Blob container of `lokiAzureAccount`; create it before `pulumi up`",
    type: "string",
    defaults: always(undefined),
    allowed: "an Azure container name: 3-63 lowercase letters, digits and hyphens",
    secrecy: "plain",
    read: textRule(containerNameProblem),
  }),
  lokiAzureAccountKey: declare<SecretValue | undefined>({
    description:
      "Access key of `lokiAzureAccount`; reaches Loki as an environment variable, never in its config file. (A SAS token is not offered: Loki 3.4.0 builds a container's URL by appending it after the token)",
    type: "secret string",
    defaults: always(undefined),
    allowed: "set with `--secret`: the base64 key the Azure portal shows",
    secrecy: "secret",
    read: readSecretKey("the base64 key the Azure portal shows (letters, digits, `+`, `/`, ending in up to two `=`)", /^[A-Za-z0-9+/]{16,}={0,2}$/),
  }),
  lokiAzureEndpointSuffix: declare<string>({
    description: "Host name suffix of the Blob service: the account's URL is `https://<account>.<suffix>` (a private endpoint, or a national cloud)",
    type: "string",
    defaults: always("blob.core.windows.net"),
    allowed: "a DNS name such as `blob.core.windows.net` or `privatelink.blob.core.windows.net`",
    secrecy: "plain",
    read: textRule((value) =>
      /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(value) ? undefined : "a DNS name such as `blob.core.windows.net`",
    ),
  }),
};

/** The values of the storage settings. */
export type StorageValues = ValuesOf<typeof STORAGE_SETTINGS>;

/** The settings each object store needs, and those it alone uses besides. */
const STORE_KEYS: Record<Exclude<LokiStorage, "filesystem">, { needed: (keyof StorageValues)[]; optional: (keyof StorageValues)[] }> = {
  s3: { needed: ["lokiS3Endpoint", "lokiS3Bucket", "lokiS3Region", "lokiS3AccessKeyId", "lokiS3SecretAccessKey"], optional: ["lokiS3PathStyle"] },
  azure: { needed: ["lokiAzureAccount", "lokiAzureContainer", "lokiAzureAccountKey"], optional: ["lokiAzureEndpointSuffix"] },
};

/** The settings that hold a secret, which are set with `--secret`. */
const SECRET_KEYS: readonly (keyof StorageValues)[] = ["lokiS3SecretAccessKey", "lokiAzureAccountKey"];

/**
 * The rules between the storage settings: the chosen store's settings are all set, the other
 * store's are not (a leftover key would look used and is not). `setKeys` names the settings the
 * stack sets; an optional one set to its default is let be, as `Pulumi.yaml` declares it.
 */
export function lokiStorageProblems(settings: StorageValues & { environment: Environment }, setKeys: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const storage = settings.lokiStorage;
  const others = Object.entries(STORE_KEYS).filter(([store]) => store !== storage);
  for (const [store, keys] of others) {
    const given = (key: keyof StorageValues) =>
      setAwayFromDefault<unknown>(key, STORAGE_SETTINGS[key], settings[key], setKeys, { environment: settings.environment, stackName: "" });
    for (const key of [...keys.needed, ...keys.optional].filter(given)) {
      problems.push(`${code(key)} is set, but it is used only with \`lokiStorage: ${store}\` (the stack has \`${storage}\`)`);
    }
  }
  if (storage === "filesystem") {
    if (setKeys.has("lokiStorageSince")) {
      problems.push("`lokiStorageSince` is set, but it is used only with `lokiStorage: s3` or `azure` (the stack has `filesystem`)");
    }
    return problems;
  }
  for (const key of ["lokiStorageSince" as const, ...STORE_KEYS[storage].needed]) {
    if (settings[key] === undefined) {
      const flag = SECRET_KEYS.includes(key) ? "--secret " : "";
      problems.push(`${code(key)} is not set, but \`lokiStorage: ${storage}\` needs it; set it with \`pulumi config set ${flag}${key} <value>\``);
    }
  }
  return problems;
}
