import type { Tags } from "./worker";

/**
 * Where a worker's tags stand against its instance. `setWorkerTags` saves the
 * tags people want and marks them pending; the apply-tags job makes the
 * instance match and clears the mark. While tags are pending they win over
 * what EC2 shows; once applied, EC2 is the truth (reconciliation copies a
 * change made in the console).
 */
export interface TagSync {
  /** When tags were saved that have not reached the instance yet; null when none wait. */
  readonly pendingSince: Date | null;
  /** When the instance last matched the worker's tags, by an apply. */
  readonly appliedAt: Date | null;
  /** Why the last apply failed, until one succeeds. */
  readonly lastError: string | null;
}

export const NO_TAG_SYNC: TagSync = { pendingSince: null, appliedAt: null, lastError: null };

/** A worker's tag state; one built before tag sync existed (no field) has nothing pending. */
export function tagSyncOf(worker: { readonly tagSync?: TagSync | undefined }): TagSync {
  return worker.tagSync ?? NO_TAG_SYNC;
}

/** The instance's own name, which the fleet sets from the worker's name at launch (and reads at import). */
export const NAME_TAG = "Name";
/** `cml-fleet:` keys are the fleet's markers; EC2 refuses `aws:` keys to everyone. */
const PROTECTED_TAG_PREFIXES = ["aws:", "cml-fleet:"];

/**
 * Keys people cannot set or remove through `setWorkerTags`, and that the
 * fleet never deletes when it applies tags: its markers, EC2's own, and the
 * `Name` the fleet manages (the worker's name is the instance's Name).
 */
export function isProtectedTagKey(key: string): boolean {
  const lower = key.toLowerCase();
  return (
    lower === NAME_TAG.toLowerCase() || PROTECTED_TAG_PREFIXES.some((prefix) => lower.startsWith(prefix))
  );
}

/** The tags that belong to people: everything but the protected keys. */
export function userTags(tags: Tags): Tags {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !isProtectedTagKey(key)));
}

/** The protected entries of a tag map, kept as they are when people's tags change. */
export function protectedTags(tags: Tags): Tags {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => isProtectedTagKey(key)));
}

/** What turns `from` into `to`, people's keys only: keys to create or overwrite, keys to delete. */
export interface TagDifference {
  readonly set: Tags;
  readonly removed: readonly string[];
}

export function tagDifference(from: Tags, to: Tags): TagDifference {
  const before = userTags(from);
  const after = userTags(to);
  return {
    set: Object.fromEntries(Object.entries(after).filter(([key, value]) => before[key] !== value)),
    removed: Object.keys(before)
      .filter((key) => !Object.hasOwn(after, key))
      .sort(),
  };
}

export function isNoDifference(difference: TagDifference): boolean {
  return Object.keys(difference.set).length === 0 && difference.removed.length === 0;
}
