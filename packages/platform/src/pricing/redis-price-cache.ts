import type { LivePrices, VolumeInfo } from "@cml-fleet/core/domain/price-book";
import type { PriceCache } from "@cml-fleet/core/ports/price-list.port";
import type { Redis } from "ioredis";

/** The key under the process's Redis prefix; one document for the whole fleet. */
export const PRICE_CACHE_KEY = "prices:live";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPriceTable(value: unknown): value is Record<string, Record<string, number>> {
  return (
    isRecord(value) &&
    Object.values(value).every(
      (inner) => isRecord(inner) && Object.values(inner).every((usd) => typeof usd === "number" && usd >= 0),
    )
  );
}

function isVolumes(value: unknown): value is Record<string, VolumeInfo[]> {
  return (
    isRecord(value) &&
    Object.values(value).every(
      (volumes) =>
        Array.isArray(volumes) &&
        volumes.every(
          (volume) =>
            isRecord(volume) && typeof volume.sizeGiB === "number" && typeof volume.volumeType === "string",
        ),
    )
  );
}

/** Reads back what `save` wrote; anything else (an older shape, a hand edit) counts as no cache. */
export function parseLivePrices(text: string): LivePrices | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (
    !isRecord(parsed) ||
    typeof parsed.fetchedAt !== "string" ||
    !isPriceTable(parsed.instanceHourlyUsd) ||
    !isPriceTable(parsed.storageGbMonthUsd) ||
    !isVolumes(parsed.volumes)
  ) {
    return null;
  }
  const fetchedAt = new Date(parsed.fetchedAt);
  if (Number.isNaN(fetchedAt.getTime())) {
    return null;
  }
  return {
    fetchedAt,
    instanceHourlyUsd: parsed.instanceHourlyUsd,
    storageGbMonthUsd: parsed.storageGbMonthUsd,
    volumes: parsed.volumes,
  };
}

/**
 * The refreshed prices in Redis with a TTL: every API and job process reads
 * the same figures, and when refreshes stop (the Price List API unreachable
 * for longer than the TTL) the key expires and costs fall back to the static table.
 */
export function createRedisPriceCache(redis: Redis, keyPrefix: string): PriceCache {
  const key = `${keyPrefix}${PRICE_CACHE_KEY}`;
  return {
    async load() {
      const text = await redis.get(key);
      return text === null ? null : parseLivePrices(text);
    },
    async save(prices, ttlMs) {
      await redis.set(key, JSON.stringify(prices), "PX", ttlMs);
    },
  };
}
