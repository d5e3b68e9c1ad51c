/**
 * The settings of a site's containers: the Trust APIs it runs (`apis`) and the address their
 * ports are published on, and the images of the logging services (`images`), with their rules.
 */
import { SEALED, isPlainObject } from "./config-source";
import { always, code, declare, Declaration, echo, ipRule, parseJson, PORT_RULE, ReadContext, asPort, textRule } from "./declaration";
import { SecretValue, secretText } from "./secrets";

/** One Trust API container the stack runs. */
export interface ApiSettings {
  /** API name, also the `api` and `service` label value (e.g. `trust-api`). */
  name: string;
  /** Image reference, with a tag or digest. */
  image: string;
  /** Port the API listens on inside its container; unset publishes nothing. */
  port?: number;
  /** Host port it is published on, on `apiBindAddress`; defaults to `port` (Compose's `8040:8000` is `hostPort: 8040, port: 8000`). */
  hostPort?: number;
  /** Extra environment variables; `LOG_LEVEL` is set from `logLevel` and cannot be given here. */
  env: Record<string, string | SecretValue>;
}

/** Image references of the three logging services and the demo generators. */
export interface ImageSettings {
  /** Grafana Loki image. */
  loki: string;
  /** Grafana Alloy image. */
  alloy: string;
  /** Grafana image. */
  grafana: string;
  /** Stock Python image the demo traffic generators run in. */
  demo: string;
  /** nginx image of the gateway in front of a scalable Loki (`lokiMode: scalable`). */
  gateway: string;
}

/** Default images, pinned; a stack may override each through `images`. */
export const DEFAULT_IMAGES: ImageSettings = {
  loki: "grafana/loki:3.4.0",
  alloy: "grafana/alloy:v1.9.0",
  grafana: "grafana/grafana:11.5.0",
  demo: "python:3.11-slim",
  // The unprivileged build runs as uid 101 and needs no capability (docker-nginx-unprivileged,
  // mainline/alpine/Dockerfile at tag 1.27.3); Loki 3.4.0's Helm chart runs the 1.27 line as its gateway.
  gateway: "nginxinc/nginx-unprivileged:1.27.3-alpine",
};

/** The three FLIP APIs a development stack runs unless it lists others; production must name its own. */
export const DEFAULT_APIS: ApiSettings[] = [
  { name: "trust-api", image: "flip/trust-api:stable", port: 8000, env: {} },
  { name: "data-access-api", image: "flip/data-access-api:stable", port: 8010, env: {} },
  { name: "imaging-api", image: "flip/imaging-api:stable", port: 8020, env: {} },
];

const API_FIELDS = ["name", "image", "port", "hostPort", "env"];
const RESERVED_SERVICE_NAMES = ["loki", "alloy", "grafana"];
const IMAGE_KEYS = Object.keys(DEFAULT_IMAGES);
// Tags that name a moving target rather than a version.
const FLOATING_TAGS = ["latest", "stable", "main", "master", "edge", "nightly", "dev"];

// Docker's reference grammar: [domain[:port]/]path[:tag][@digest], path components in lowercase.
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/;

/** Checks an image reference; returns what is allowed when it is not acceptable. */
export function imageProblem(image: string, production: boolean): string | undefined {
  const match = IMAGE_REFERENCE.exec(image);
  if (!match) {
    return "a Docker image reference such as `grafana/loki:3.4.0`";
  }
  const [, tag, digest] = match;
  if (tag === undefined && digest === undefined) {
    return "pinned with a tag or digest, such as `grafana/loki:3.4.0`, so every run deploys the same image";
  }
  if (production && digest === undefined && FLOATING_TAGS.includes(tag.toLowerCase())) {
    return `pinned to a version or an \`@sha256:\` digest in production, not the moving tag \`${tag}\``;
  }
  return undefined;
}

/** Records a problem unless `image` is an acceptable image reference; says whether it was. */
function checkImage(key: string, image: unknown, context: ReadContext): image is string {
  if (image === SEALED) {
    context.problem(`${key} is set as a secret, but an image reference is not secret; set it in plain text`);
    return false;
  }
  const problem = typeof image === "string" ? imageProblem(image, context.production) : "a Docker image reference string";
  if (problem) {
    context.problem(`${key} is ${JSON.stringify(image)}, but it must be ${problem}`);
  }
  return problem === undefined;
}

/** Reads `images`: known keys only, each an acceptable image reference. */
export const readImages: Declaration<ImageSettings>["read"] = (entry, context) => {
  const given = parseJson(entry, context, 'an object such as {"loki": "grafana/loki:3.4.0"}');
  if (given === undefined) {
    return undefined;
  }
  if (!isPlainObject(given)) {
    context.problem(`\`images\` is ${JSON.stringify(given)}, but it must be an object with keys ${IMAGE_KEYS.map(code).join(", ")}`);
    return undefined;
  }
  const images = { ...DEFAULT_IMAGES };
  let valid = true;
  for (const [name, image] of Object.entries(given)) {
    if (!IMAGE_KEYS.includes(name)) {
      context.problem(`\`images.${name}\` is not an image of this stack; allowed keys are ${IMAGE_KEYS.map(code).join(", ")}`);
      valid = false;
    } else if (checkImage(code(`images.${name}`), image, context)) {
      images[name as keyof ImageSettings] = image;
    } else {
      valid = false;
    }
  }
  return valid ? images : undefined;
};

/** How messages name an API: by its name where it has a usable one, with its place in the list as a hint. */
export function apiLabel(index: number, name: unknown): string {
  return typeof name === "string" && /^[a-z][a-z0-9-]*$/.test(name)
    ? `API \`${name}\` (apis[${index}])`
    : `the API at apis[${index}]`;
}

/** The key of one field of one API, as messages name it. */
export function apiField(index: number, name: unknown, field: string): string {
  return `\`${field}\` of ${apiLabel(index, name)}`;
}

const API_SHAPE = "a list of {name, image, port?, hostPort?, env?} objects";

/** Reads `apis`: unique names, acceptable images, ports, and env values kept secret when the list holds a secret. */
export const readApis: Declaration<ApiSettings[]>["read"] = (entry, outer) => {
  let valid = true;
  const context: ReadContext = {
    ...outer,
    problem(message) {
      valid = false;
      outer.problem(message);
    },
  };
  const given = parseJson(entry, context, API_SHAPE);
  if (given === undefined) {
    return undefined;
  }
  if (!Array.isArray(given)) {
    context.problem(`\`apis\` is ${echo(given, entry.secret)}, but it must be ${API_SHAPE}`);
    return undefined;
  }
  const seen = new Map<string, number>();
  const apis = given.map((item: unknown, index): ApiSettings | undefined => {
    if (!isPlainObject(item)) {
      context.problem(`apis[${index}] is ${echo(item, entry.secret)}, but it must be an object {name, image, port?, hostPort?, env?}`);
      return undefined;
    }
    const { name, image, port, hostPort, env } = item;
    for (const field of Object.keys(item)) {
      if (!API_FIELDS.includes(field)) {
        context.problem(`${apiField(index, name, field)} is not a field of an API; allowed fields are ${API_FIELDS.map(code).join(", ")}`);
      }
    }
    if (typeof name !== "string" || !/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/.test(name)) {
      context.problem(
        `${apiField(index, name, "name")} is ${JSON.stringify(name === SEALED ? "[secret]" : name)}, but it must be 2-40 lowercase letters, digits and hyphens, starting with a letter`,
      );
    } else if (RESERVED_SERVICE_NAMES.includes(name) || name.startsWith("loki-")) {
      // A scalable Loki's containers are `loki-write-1`, `loki-read-1`, `loki-backend`, `loki-gateway` and so on.
      context.problem(
        `${apiField(index, name, "name")} is ${JSON.stringify(name)}, but ${RESERVED_SERVICE_NAMES.map(code).join(", ")} and names starting \`loki-\` name the logging services themselves`,
      );
    } else if (seen.has(name)) {
      context.problem(
        `${apiField(index, name, "name")} is ${JSON.stringify(name)}, but apis[${seen.get(name)}] already has that name; API names must be unique`,
      );
    } else {
      seen.set(name, index);
    }
    if (image === undefined) {
      context.problem(`${apiField(index, name, "image")} is missing, but every API needs an image reference such as \`flip/trust-api:1.4.2\``);
    } else {
      checkImage(apiField(index, name, "image"), image, context);
    }
    const checkedPort = port === undefined ? undefined : checkApiPort(index, name, "port", port, context);
    const checkedHostPort = hostPort === undefined ? undefined : checkApiPort(index, name, "hostPort", hostPort, context);
    if (hostPort !== undefined && port === undefined) {
      context.problem(`${apiField(index, name, "hostPort")} is ${JSON.stringify(hostPort)}, but it publishes \`port\`, which is not set`);
    }
    return {
      name: String(name),
      image: String(image),
      ...(checkedPort === undefined ? {} : { port: checkedPort }),
      ...(checkedHostPort === undefined ? {} : { hostPort: checkedHostPort }),
      env: readApiEnv(index, name, env, entry.secret, context),
    };
  });
  return valid ? (apis as ApiSettings[]) : undefined;
};

function checkApiPort(index: number, name: unknown, field: string, value: unknown, context: ReadContext): number | undefined {
  const port = asPort(value);
  if (port === undefined) {
    context.problem(`${apiField(index, name, field)} is ${JSON.stringify(value === SEALED ? "[secret]" : value)}, but it must be ${PORT_RULE}`);
  }
  return port;
}

/**
 * An API's environment. When any part of `apis` is a secret the CLI hands the program the whole
 * list as one secret, without saying which part (see `rawConfigFromStackYaml`), so every env value
 * is then kept secret; names, images and ports are never secret.
 */
function readApiEnv(
  index: number,
  name: unknown,
  env: unknown,
  holdsSecrets: boolean,
  context: ReadContext,
): Record<string, string | SecretValue> {
  if (env === undefined) {
    return {};
  }
  if (!isPlainObject(env)) {
    context.problem(`${apiField(index, name, "env")} is ${echo(env, holdsSecrets)}, but it must be an object of NAME: value pairs`);
    return {};
  }
  const checked: Record<string, string | SecretValue> = {};
  for (const [variable, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      context.problem(`${apiField(index, name, "env")} has the variable name ${JSON.stringify(variable)}, but names must match [A-Za-z_][A-Za-z0-9_]*`);
    } else if (variable === "LOG_LEVEL") {
      context.problem(`${apiField(index, name, "env.LOG_LEVEL")} is set, but \`LOG_LEVEL\` comes from the \`logLevel\` setting for every API; remove it here`);
    } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      const text = String(value);
      checked[variable] = holdsSecrets ? secretText(text === SEALED ? null : text) : text;
    } else {
      context.problem(`${apiField(index, name, `env.${variable}`)} is ${echo(value, holdsSecrets)}, but it must be a string, number or boolean`);
    }
  }
  return checked;
}


/** The settings of the APIs and images, in the order the README lists them. */
export const API_SETTINGS = {
  apiBindAddress: declare<string>({
    description: "Host address the Trust APIs' ports are published on",
    type: "string",
    defaults: always("127.0.0.1"),
    allowed: "an IPv4 or IPv6 address",
    secrecy: "plain",
    read: textRule(ipRule),
  }),
  apis: declare<ApiSettings[]>({
    description:
      "The Trust API containers of the site; `port` is the port inside the container, published on `apiBindAddress` at `hostPort` (default: the same number)",
    type: "list of `{name, image, port?, hostPort?, env?}`",
    defaults: () => DEFAULT_APIS.map((api) => ({ ...api, env: { ...api.env } })),
    defaultText: { development: "the three FLIP APIs (`:stable` images)", production: "none: required" },
    allowed:
      "unique names (lowercase, digits, hyphens), pinned images, ports 1-65535, env names `[A-Za-z_][A-Za-z0-9_]*` except `LOG_LEVEL`; env values may be secrets",
    secrecy: "nested",
    read: readApis,
    unset(context) {
      if (context.production) {
        context.problem(
          "`apis` is not set, but production requires the site's own list of APIs with pinned images; the defaults run `:stable` tags",
        );
      }
      return this.defaults(context);
    },
  }),
  images: declare<ImageSettings>({
    description: "Pinned images of the services",
    type: "object `{loki?, alloy?, grafana?, demo?, gateway?}`",
    defaults: always(DEFAULT_IMAGES),
    defaultText: {
      development: Object.values(DEFAULT_IMAGES).map(code).join(", "),
      production: "same",
    },
    allowed: "image references with a tag or digest; in production a version or digest, not `latest`, `stable`, `main` or `edge`",
    secrecy: "plain",
    read: readImages,
  }),
};
