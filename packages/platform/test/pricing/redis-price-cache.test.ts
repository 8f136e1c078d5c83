import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisPriceCache, PRICE_CACHE_KEY } from "../../src/pricing/redis-price-cache";
import { deleteKeys, TEST_REDIS_URL } from "../support/test-redis";

const redis = new Redis(TEST_REDIS_URL);
const prefix = `test-price-cache-${randomBytes(4).toString("hex")}:`;
const cache = createRedisPriceCache(redis, prefix);

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const prices = {
  fetchedAt: new Date("2026-11-30T06:00:00.000Z"),
  instanceHourlyUsd: { "us-east-1": { "c5.2xlarge": 0.357 } },
  storageGbMonthUsd: { "us-east-1": { gp3: 0.08 } },
  volumes: { "i-0a": [{ sizeGiB: 64, volumeType: "gp3" }] },
};

describe("the price cache in Redis", () => {
  it("reads back what it saved, for every process on the same Redis, until the TTL", async () => {
    await cache.save(prices, 60_000);
    expect(await createRedisPriceCache(redis, prefix).load()).toEqual(prices);
    const ttl = await redis.pttl(`${prefix}${PRICE_CACHE_KEY}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("has nothing once the key expired or was never written", async () => {
    await cache.save(prices, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await cache.load()).toBeNull();
    expect(await createRedisPriceCache(redis, `${prefix}other:`).load()).toBeNull();
  });

  it("counts a value of another shape as no cache rather than trusting it", async () => {
    await redis.set(`${prefix}${PRICE_CACHE_KEY}`, JSON.stringify({ fetchedAt: "yesterday", volumes: [] }));
    expect(await cache.load()).toBeNull();
    await redis.set(`${prefix}${PRICE_CACHE_KEY}`, "not json");
    expect(await cache.load()).toBeNull();
  });
});
