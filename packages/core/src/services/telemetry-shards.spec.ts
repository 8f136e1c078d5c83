import { describe, expect, it } from "vitest";
import { cutShards, shardSlot } from "./telemetry-shards";

const idsOf = (count: number, prefix = "w") =>
  Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(5, "0")}`);

describe("cutting a region's workers into shards", () => {
  it("puts every worker in exactly one shard, and no shard over the size", () => {
    const ids = idsOf(2_500);

    const shards = cutShards(ids, 300);

    expect(shards.length).toBeGreaterThan(1);
    expect(shards.every((shard) => shard.workerIds.length <= 300)).toBe(true);
    expect(shards.flatMap((shard) => shard.workerIds).sort()).toEqual([...ids].sort());
  });

  it("gives one shard to a region that fits in one, and none to an empty region", () => {
    expect(cutShards(idsOf(10), 250)).toEqual([{ count: 1, index: 0, workerIds: idsOf(10) }]);
    expect(cutShards([], 250)).toEqual([]);
  });

  it("cuts the same shards whatever order the workers come in", () => {
    const ids = idsOf(1_000);

    expect(cutShards([...ids].reverse(), 100)).toEqual(cutShards(ids, 100));
  });

  it("keeps a shard's workers together when workers come and go, as long as the count holds", () => {
    const before = cutShards(idsOf(1_000), 250);
    const after = cutShards([...idsOf(990), ...idsOf(5, "new")], 250);

    expect(after.map((shard) => shard.count)).toEqual(before.map((shard) => shard.count));
    for (const shard of after) {
      const old = before.find((candidate) => candidate.index === shard.index);
      const stayed = shard.workerIds.filter((id) => id.startsWith("w-"));
      expect(stayed.every((id) => old?.workerIds.includes(id))).toBe(true);
    }
  });

  it("splits each shard in two when the region outgrows the count, never moving a worker elsewhere", () => {
    const small = cutShards(idsOf(400), 250);
    const grown = cutShards(idsOf(1_200), 250);
    const smallCount = small[0]?.count ?? 0;
    const grownCount = grown[0]?.count ?? 0;
    expect(grownCount).toBeGreaterThan(smallCount);

    for (const id of idsOf(400)) {
      expect(shardSlot(id, grownCount) % smallCount).toBe(shardSlot(id, smallCount));
    }
  });

  it("refuses a size below one", () => {
    expect(() => cutShards(idsOf(3), 0)).toThrow(RangeError);
  });
});
