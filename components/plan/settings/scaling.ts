/**
 * How many Loki processes a site runs: one (`single`), or Loki's own simple scalable mode
 * (`scalable`): writers, readers and a backend, joined by memberlist and sharing chunks and index
 * through the object store. The settings, and the rules between them and the storage settings.
 */
import * as net from "net";
import type { LokiStorage } from "./storage";
import { parseDockerHost, SshDockerHost } from "./core";
import { always, code, declare, Declaration, Environment, oneOf, parseJson, setAwayFromDefault, ValuesOf, wholeNumberRule } from "./declaration";

/** One Loki process, or Loki's simple scalable mode. */
export type LokiMode = "single" | "scalable";

/** Every mode, in the order the README lists them. */
export const LOKI_MODES: readonly LokiMode[] = ["single", "scalable"];

/** How many writers a scalable site may run. */
export const WRITE_REPLICAS_RANGE = { min: 1, max: 9 };

/** Readers of a scalable site: two, so one can restart while the other answers. */
export const READ_REPLICAS = 2;

/** How many Docker hosts a scalable Loki may be spread over (`lokiHosts`). */
export const LOKI_HOSTS_MAX = 9;

/**
 * With `lokiHosts`, every Loki container publishes its own ports on its host, so that the other
 * hosts reach it and two containers on one host do not clash: each port is its base plus the
 * container's number, writers 1 to 9, the backend 10 and the readers 11 and 12. Loki's defaults
 * (3100, 9096 as this project's config has it, 7946) stay free for the gateway and a single Loki.
 */
export const LOKI_HOST_PORT_BASES = { http: 3100, grpc: 9096, memberlist: 7946 } as const;

/** The number of the backend among a spread Loki's containers: after every writer there may be. */
export const BACKEND_NUMBER = WRITE_REPLICAS_RANGE.max + 1;

/** A Loki container's host ports, from its number (`LOKI_HOST_PORT_BASES`). */
export function lokiHostPorts(number: number): Record<keyof typeof LOKI_HOST_PORT_BASES, number> {
  return {
    http: LOKI_HOST_PORT_BASES.http + number,
    grpc: LOKI_HOST_PORT_BASES.grpc + number,
    memberlist: LOKI_HOST_PORT_BASES.memberlist + number,
  };
}

/** Loopback, unspecified, link-local and multicast IPv4 addresses: none is an address other hosts reach a Loki host on. */
function unreachableFromOtherHosts(ip: string): boolean {
  const [first, second] = ip.split(".").map(Number);
  return first === 0 || first === 127 || (first === 169 && second === 254) || first >= 224;
}

/**
 * Reads `lokiHosts`: a JSON list of `ssh://[user@]IPv4[:port]`, each host once. The host must be
 * an address, not a name: Loki advertises it to the other Loki containers (`common.instance_addr`
 * sets memberlist's `advertise_addr`), and memberlist takes only an IP there.
 */
const readLokiHosts: Declaration<SshDockerHost[]>["read"] = (entry, context) => {
  const shape = `a list of 1 to ${LOKI_HOSTS_MAX} texts \`ssh://[user@]address[:port]\`, such as \`["ssh://flip@10.20.0.11", "ssh://flip@10.20.0.12"]\``;
  const given = parseJson(entry, context, shape);
  if (given === undefined) {
    return undefined;
  }
  if (!Array.isArray(given) || given.length < 1 || given.length > LOKI_HOSTS_MAX || !given.every((item) => typeof item === "string")) {
    context.problem(`\`lokiHosts\` is ${JSON.stringify(given)}, but it must be ${shape}`);
    return undefined;
  }
  const hosts: SshDockerHost[] = [];
  let broken = false;
  given.forEach((text: string, index) => {
    const where = `\`lokiHosts[${index}]\` is ${JSON.stringify(text)}`;
    const host = parseDockerHost(text);
    const first = host?.kind === "ssh" ? hosts.findIndex((known) => known.host === host.host) : -1;
    const problem =
      host?.kind !== "ssh"
        ? "it must be `ssh://[user@]address[:port]`"
        : !net.isIPv4(host.host)
          ? "its host must be an IPv4 address such as `10.20.0.11`, not a name: Loki advertises it to the other Loki containers, and memberlist takes only an address"
          : unreachableFromOtherHosts(host.host)
            ? "its address is loopback, unspecified, link-local or multicast, which the site's other hosts cannot reach it on"
            : first >= 0
              ? `it names the same host as \`lokiHosts[${first}]\`; list each Docker host once`
              : undefined;
    if (problem !== undefined || host?.kind !== "ssh") {
      context.problem(`${where}, but ${problem}`);
      broken = true;
      return;
    }
    hosts.push(host);
  });
  return broken ? undefined : hosts;
};

/** The replication factor a scalable site gets unless it sets one: three, or every writer if fewer. */
const DEFAULT_REPLICATION = 3;

/** The scale-out settings, in the order the README lists them. */
export const SCALING_SETTINGS = {
  lokiMode: declare<LokiMode>({
    description:
      "How Loki runs: one process, or Loki's simple scalable mode (`lokiWriteReplicas` writers, 2 readers and a backend, joined by memberlist, behind one gateway container on `lokiPort`)",
    type: "string",
    defaults: always("single"),
    allowed: "`single`, `scalable`; `scalable` needs `lokiStorage: s3` or `azure`",
    secrecy: "plain",
    read: oneOf(LOKI_MODES),
  }),
  lokiWriteReplicas: declare<number>({
    description: "Writers of a scalable Loki: each holds the newest lines of the streams it owns, in memory and in its write-ahead log, until it ships them to the store",
    type: "integer",
    defaults: always(3),
    allowed: `${WRITE_REPLICAS_RANGE.min}-${WRITE_REPLICAS_RANGE.max}; only with \`lokiMode: scalable\``,
    secrecy: "plain",
    read: wholeNumberRule(WRITE_REPLICAS_RANGE, "writers"),
  }),
  lokiReplicationFactor: declare<number>({
    description:
      "Writers each line is written to. A push needs a majority of them, so 3 keeps every stream writable with any one writer down; with 2, a writer that crashes (rather than stops) holds up its streams until it is back",
    type: "integer",
    defaults: (context) => Math.min(DEFAULT_REPLICATION, (context.earlier?.lokiWriteReplicas as number | undefined) ?? DEFAULT_REPLICATION),
    defaultText: { development: "3, or `lokiWriteReplicas` if fewer", production: "3, or `lokiWriteReplicas` if fewer" },
    defaultFollows: ["lokiWriteReplicas"],
    allowed: "1 to `lokiWriteReplicas`; only with `lokiMode: scalable`",
    secrecy: "plain",
    read: wholeNumberRule(WRITE_REPLICAS_RANGE, "writers"),
  }),
  lokiHosts: declare<SshDockerHost[]>({
    description:
      "Docker hosts a scalable Loki's writers, backend and readers run on instead of the site's Docker host, one Docker provider each, reached over SSH as `dockerHost` is. " +
      "Writer n runs on host ((n - 1) mod hosts) + 1, the backend on the first, reader n on host (n mod hosts) + 1; each container publishes its own ports on its host's address (README, \"When one host is not enough\")",
    type: "list of `ssh://` addresses",
    defaults: () => [],
    defaultText: { development: "none: every container on the site's Docker host", production: "none: every container on the site's Docker host" },
    allowed: `1 to ${LOKI_HOSTS_MAX} different \`ssh://[user@]address[:port]\` whose address is an IPv4 address the other hosts reach; only with \`lokiMode: scalable\``,
    secrecy: "plain",
    read: readLokiHosts,
  }),
};

/** The values of the scale-out settings. */
export type ScalingValues = ValuesOf<typeof SCALING_SETTINGS>;

/** The first day (UTC) on which no line from before `since` is still kept: `retention` after it, and a day for the compactor. */
export function filesystemDaysGoneOn(since: string, retention: string): string {
  const hours = Number(/^([0-9]+)h$/.exec(retention)?.[1] ?? NaN);
  const gone = new Date(Date.parse(`${since}T00:00:00Z`) + (hours + 24) * 3_600_000);
  return gone.toISOString().slice(0, 10);
}

/**
 * The rules between the mode and the other settings: scalable runs on an object store only, with
 * no more copies of a line than writers, and only once the days the single Loki wrote to the
 * host's disk are past retention, as the readers of a scalable Loki cannot read that disk. The
 * scale-out numbers are refused in single mode, where they would look used and are not (unless
 * they are at their defaults).
 */
export function lokiModeProblems(
  settings: ScalingValues & { lokiStorage: LokiStorage; lokiStorageSince: string | undefined; retentionPeriod: string; environment: Environment },
  setKeys: ReadonlySet<string>,
  now: Date,
  published: readonly { key: string; port: number }[],
): string[] {
  if (settings.lokiMode === "single") {
    const numbers = (["lokiWriteReplicas", "lokiReplicationFactor"] as const).filter((key) =>
      setAwayFromDefault(key, SCALING_SETTINGS[key], settings[key], setKeys, { environment: settings.environment, stackName: "", earlier: settings }),
    );
    return [...numbers, ...(settings.lokiHosts.length > 0 ? ["lokiHosts"] : [])].map(
      (key) => `${code(key)} is set, but it is used only with \`lokiMode: scalable\` (the stack has \`single\`)`,
    );
  }
  if (settings.lokiStorage === "filesystem") {
    return [
      "`lokiMode` is `scalable`, but its writers, readers and backend share chunks and index only through an object store; " +
        "set `lokiStorage` to `s3` or `azure` (with its settings) first",
    ];
  }
  const problems: string[] = lokiHostPortClashes(settings, published);
  if (settings.lokiReplicationFactor > settings.lokiWriteReplicas) {
    problems.push(
      `\`lokiReplicationFactor\` is ${settings.lokiReplicationFactor}, but it must be at most \`lokiWriteReplicas\` (${settings.lokiWriteReplicas}): ` +
        "each line is written to that many different writers",
    );
  }
  if (settings.lokiStorageSince !== undefined) {
    const gone = filesystemDaysGoneOn(settings.lokiStorageSince, settings.retentionPeriod);
    if (now.toISOString().slice(0, 10) < gone) {
      problems.push(
        `\`lokiMode\` is \`scalable\`, but the lines from before \`lokiStorageSince\` (${settings.lokiStorageSince}) are on the single Loki's disk, ` +
          `which the scalable readers cannot read, until retention removes them; keep \`lokiMode: single\` until ${gone}` +
          " (a new site with no such lines sets `lokiStorageSince` to `2024-01-02`)",
      );
    }
  }
  return problems;
}

/** The numbers (`LOKI_HOST_PORT_BASES`) of a spread Loki's containers: its writers, the backend, then the readers. */
export function lokiContainerNumbers(writers: number): { writers: number[]; backend: number; readers: number[] } {
  return {
    writers: Array.from({ length: writers }, (_, i) => i + 1),
    backend: BACKEND_NUMBER,
    readers: Array.from({ length: READ_REPLICAS }, (_, i) => BACKEND_NUMBER + i + 1),
  };
}

/**
 * With `lokiHosts`, the ports the Loki containers publish must be free on every Loki host, and the
 * site's Docker host may be one of them: a port the stack publishes there for something else is
 * refused before anything is declared, instead of failing half-way through `pulumi up`.
 */
function lokiHostPortClashes(settings: ScalingValues, published: readonly { key: string; port: number }[]): string[] {
  if (settings.lokiHosts.length === 0) {
    return [];
  }
  const numbers = lokiContainerNumbers(settings.lokiWriteReplicas);
  const taken = [...numbers.writers, numbers.backend, ...numbers.readers].flatMap((number) => Object.values(lokiHostPorts(number)));
  return published
    .filter((entry) => taken.includes(entry.port))
    .map(
      (entry) =>
        `${entry.key} is ${entry.port}, which a Loki container publishes on its host with \`lokiHosts\` (ports ${LOKI_HOST_PORT_BASES.http + 1}-${LOKI_HOST_PORT_BASES.http + BACKEND_NUMBER + READ_REPLICAS}, ` +
        `${LOKI_HOST_PORT_BASES.grpc + 1}-${LOKI_HOST_PORT_BASES.grpc + BACKEND_NUMBER + READ_REPLICAS} and ${LOKI_HOST_PORT_BASES.memberlist + 1}-${LOKI_HOST_PORT_BASES.memberlist + BACKEND_NUMBER + READ_REPLICAS} ` +
        "are Loki's there), and the site's Docker host may be one of the Loki hosts; choose a port outside them",
    );
}
