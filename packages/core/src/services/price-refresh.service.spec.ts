import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock";
import { silentLogger } from "../../test/support/silent-logger";
import { aWorker } from "../../test/support/worker-factory";
import type { LivePrices, VolumeInfo } from "../domain/price-book";
import type { Worker } from "../domain/worker";
import type { PriceCache, PriceList, VolumeInventory } from "../ports/price-list.port";
import { createPriceRefreshService } from "./price-refresh.service";

const HOUR = 3_600_000;

/** A price list answering from a table, counting calls; `down` makes every call fail. */
class TablePriceList implements PriceList {
  calls = 0;
  down = false;
  constructor(
    readonly hourly: Record<string, number>,
    readonly storage: Record<string, number>,
  ) {}
  async instanceHourlyUsd(instanceType: string, region: string) {
    return this.answer(this.hourly[`${region}|${instanceType}`]);
  }
  async storageGbMonthUsd(volumeType: string, region: string) {
    return this.answer(this.storage[`${region}|${volumeType}`]);
  }
  private answer(value: number | undefined): number | null {
    this.calls += 1;
    if (this.down) {
      throw new Error("InternalErrorException");
    }
    return value ?? null;
  }
}

class MemoryCache implements PriceCache {
  value: LivePrices | null = null;
  ttlMs = 0;
  async load() {
    return this.value;
  }
  async save(prices: LivePrices, ttlMs: number) {
    this.value = prices;
    this.ttlMs = ttlMs;
  }
}

const volumes: VolumeInventory = {
  async attachedVolumes(_target, instanceIds) {
    const found = new Map<string, VolumeInfo[]>();
    for (const id of instanceIds) {
      if (id !== "i-0gone") {
        found.set(id, [{ sizeGiB: 64, volumeType: "gp3" }]);
      }
    }
    return found;
  },
};

function setup(workers: Worker[]) {
  const priceList = new TablePriceList(
    { "us-east-1|c5.2xlarge": 0.357, "us-east-1|m5.metal": 4.608 },
    { "us-east-1|gp3": 0.08 },
  );
  const cache = new MemoryCache();
  const clock = new FakeClock();
  const service = createPriceRefreshService({
    workers: { listActive: async () => workers },
    priceList,
    volumes,
    cache,
    clock,
    logger: silentLogger,
    config: {
      regions: ["us-east-1"],
      instanceTypes: ["c5.2xlarge"],
      priceMaxAgeMs: 24 * HOUR,
      ttlMs: 72 * HOUR,
    },
  });
  return { priceList, cache, clock, service };
}

describe("the price refresh", () => {
  const running = aWorker({ instanceType: "m5.metal", region: "us-east-1", instanceId: "i-0a" });
  const gone = aWorker({ instanceType: "c5.2xlarge", region: "us-east-1", instanceId: "i-0gone" });

  it("prices the allowed types and the workers' own, and their volumes, and caches them with the TTL", async () => {
    const { service, cache } = setup([running, gone]);
    expect(await service.refresh()).toEqual({
      instancePrices: 2,
      storagePrices: 1,
      instancesWithVolumes: 1,
      failures: 0,
    });
    expect(cache.value).toMatchObject({
      instanceHourlyUsd: { "us-east-1": { "c5.2xlarge": 0.357, "m5.metal": 4.608 } },
      storageGbMonthUsd: { "us-east-1": { gp3: 0.08 } },
      volumes: { "i-0a": [{ sizeGiB: 64, volumeType: "gp3" }] },
    });
    expect(cache.ttlMs).toBe(72 * HOUR);
  });

  it("does not ask the Price List API again while the cached prices are younger than the max age", async () => {
    const { service, priceList, clock } = setup([running]);
    await service.refresh();
    const first = priceList.calls;
    clock.advance(23 * HOUR);
    await service.refresh();
    expect(priceList.calls).toBe(first);
    clock.advance(2 * HOUR);
    await service.refresh();
    expect(priceList.calls).toBe(2 * first);
  });

  it("keeps the previous prices when the Price List API fails, and counts the failures", async () => {
    const { service, priceList, cache, clock } = setup([running]);
    await service.refresh();
    clock.advance(25 * HOUR);
    priceList.down = true;
    const result = await service.refresh();
    expect(result.failures).toBe(3);
    expect(cache.value?.instanceHourlyUsd["us-east-1"]?.["m5.metal"]).toBe(4.608);
  });

  it("caches no price at all when the Price List API never answered, so costs use the static table", async () => {
    const { service, priceList, cache } = setup([running]);
    priceList.down = true;
    await service.refresh();
    expect(cache.value?.instanceHourlyUsd).toEqual({});
    expect(cache.value?.volumes).toEqual({ "i-0a": [{ sizeGiB: 64, volumeType: "gp3" }] });
  });
});
