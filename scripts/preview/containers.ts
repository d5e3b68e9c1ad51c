/**
 * What `pulumi up` would do to each container of a stack, read from the `containers.json` of two
 * renders: replace, update in place, create or delete.
 */
import * as fs from "fs";
import * as path from "path";
import { sortKeys } from "../../components/plan/shared/spec";

/**
 * containers.json keys whose change Docker (and the Pulumi Docker provider) can only apply by
 * recreating the container. Any key not listed here or in UPDATE_IN_PLACE_KEYS is also treated
 * as replacing, so an unknown change is never reported as harmless.
 */
export const REPLACING_KEYS = [
  "image",
  "command",
  "env",
  "ports",
  "mounts",
  "labels",
  "networks",
  "uploads",
  "user",
  "healthcheck",
  "logDriver",
  "capabilities",
  "securityOpts",
  // Another Docker host is another provider: the container is made there and removed here.
  "host",
] as const;

/** containers.json keys that the provider changes on the running container. */
export const UPDATE_IN_PLACE_KEYS = ["restart", "stopGracePeriodSeconds"] as const;

/** One container of containers.json: its name and whatever else the render says about it. */
export type Container = { name: string } & Record<string, unknown>;

/** One container that `pulumi up` would act on. */
export interface ContainerChange {
  /** The container's name. */
  name: string;
  /** Top-level containers.json keys that differ (empty for created/deleted). */
  changedKeys: string[];
}

/** The containers of a stack by what `pulumi up` would do to them, each list sorted by name. */
export interface ContainerChanges {
  /** Recreated: something Docker cannot change in place differs. */
  replaced: ContainerChange[];
  /** Changed on the running container. */
  updated: ContainerChange[];
  /** Only in the new render. */
  created: ContainerChange[];
  /** Only in the old render. */
  deleted: ContainerChange[];
}

/** No container changes at all. */
export function noContainerChanges(): ContainerChanges {
  return { replaced: [], updated: [], created: [], deleted: [] };
}

/**
 * Classifies each container by what `pulumi up` would do to it, matching containers by name:
 * replaced when any key other than the update-in-place keys differs (unknown keys count as
 * replacing), updated when only update-in-place keys differ, created/deleted when present on one
 * side only. Unchanged containers are not listed. Every list is sorted by name.
 */
export function classifyContainers(base: Container[], head: Container[]): ContainerChanges {
  const result = noContainerChanges();
  const baseByName = new Map(base.map((c) => [c.name, c]));
  const headByName = new Map(head.map((c) => [c.name, c]));
  const inPlace = new Set<string>(UPDATE_IN_PLACE_KEYS);
  const names = [...new Set([...baseByName.keys(), ...headByName.keys()])].sort();
  for (const name of names) {
    const b = baseByName.get(name);
    const h = headByName.get(name);
    if (!b) {
      result.created.push({ name, changedKeys: [] });
      continue;
    }
    if (!h) {
      result.deleted.push({ name, changedKeys: [] });
      continue;
    }
    const keys = [...new Set([...Object.keys(b), ...Object.keys(h)])].sort();
    // Keys sorted, so that key order never counts as a change.
    const changedKeys = keys.filter((k) => JSON.stringify(sortKeys(b[k])) !== JSON.stringify(sortKeys(h[k])));
    if (changedKeys.length === 0) continue;
    if (changedKeys.every((k) => inPlace.has(k))) result.updated.push({ name, changedKeys });
    else result.replaced.push({ name, changedKeys });
  }
  return result;
}

/** The containers of a rendered stack folder's containers.json; none when there is no folder or file. */
export function readContainers(stackDir: string | undefined): Container[] {
  if (!stackDir) return [];
  const file = path.join(stackDir, "containers.json");
  if (!fs.existsSync(file)) return [];
  const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of containers`);
  return parsed.map((c: unknown, i) => {
    if (c === null || typeof c !== "object" || typeof (c as { name?: unknown }).name !== "string") {
      throw new Error(`${file}: container ${i} has no "name"`);
    }
    return c as Container;
  });
}
