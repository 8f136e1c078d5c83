import { createHash } from "node:crypto";

/** One shard of a region: which slot of how many, and the workers in it (sorted by id). */
export interface Shard {
  /** Shards of the region in this cut: a power of two. */
  readonly count: number;
  /** 0 ≤ index < count. */
  readonly index: number;
  readonly workerIds: readonly string[];
}

/** A worker's slot among `count` shards (`count` a power of two): the low bits of a hash of its id. */
export function shardSlot(workerId: string, count: number): number {
  const digest = createHash("sha256").update(workerId).digest();
  return digest.readUInt32BE(0) & (count - 1);
}

/**
 * Cuts a region's workers into shards of at most `maxSize` workers, by a hash
 * of each worker's id into a power-of-two number of slots: the fewest slots
 * (at least enough for the workers at `maxSize` each) in which no slot holds
 * more than `maxSize`. Membership depends only on the worker and the slot
 * count, so a shard is the same workers sweep after sweep while the region
 * keeps its size; when it grows past what the count holds, every shard splits
 * in two (slot k of n becomes k or k + n of 2n), never reshuffles. Empty
 * slots are left out.
 */
export function cutShards(workerIds: readonly string[], maxSize: number): Shard[] {
  if (!Number.isInteger(maxSize) || maxSize < 1) {
    throw new RangeError(`a shard holds at least one worker, not ${maxSize}`);
  }
  const ids = [...new Set(workerIds)].sort();
  if (ids.length === 0) {
    return [];
  }
  let count = 1;
  while (count * maxSize < ids.length) {
    count *= 2;
  }
  for (;;) {
    const slots: string[][] = Array.from({ length: count }, () => []);
    for (const id of ids) {
      slots[shardSlot(id, count)]?.push(id);
    }
    // A hash spreads unevenly: past the bound, twice the slots (each splits in two, see above).
    if (slots.every((slot) => slot.length <= maxSize)) {
      return slots.flatMap((slot, index) => (slot.length === 0 ? [] : [{ count, index, workerIds: slot }]));
    }
    count *= 2;
  }
}
