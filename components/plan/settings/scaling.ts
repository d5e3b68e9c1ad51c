/**
 * How many Loki processes a site runs: one (`single`), or Loki's own simple scalable mode
 * (`scalable`): writers, readers and a backend, joined by memberlist and sharing chunks and index
 * through the object store. The settings, and the rules between them and the storage settings.
 */
import type { LokiStorage } from "./storage";
import { always, code, declare, Environment, oneOf, setAwayFromDefault, ValuesOf, wholeNumberRule } from "./declaration";

/** One Loki process, or Loki's simple scalable mode. */
export type LokiMode = "single" | "scalable";

/** Every mode, in the order the README lists them. */
export const LOKI_MODES: readonly LokiMode[] = ["single", "scalable"];

/** How many writers a scalable site may run. */
export const WRITE_REPLICAS_RANGE = { min: 1, max: 9 };

/** Readers of a scalable site: two, so one can restart while the other answers. */
export const READ_REPLICAS = 2;

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
): string[] {
  if (settings.lokiMode === "single") {
    return (["lokiWriteReplicas", "lokiReplicationFactor"] as const)
      .filter((key) => setAwayFromDefault(key, SCALING_SETTINGS[key], settings[key], setKeys, { environment: settings.environment, stackName: "", earlier: settings }))
      .map((key) => `${code(key)} is set, but it is used only with \`lokiMode: scalable\` (the stack has \`single\`)`);
  }
  if (settings.lokiStorage === "filesystem") {
    return [
      "`lokiMode` is `scalable`, but its writers, readers and backend share chunks and index only through an object store; " +
        "set `lokiStorage` to `s3` or `azure` (with its settings) first",
    ];
  }
  const problems: string[] = [];
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
