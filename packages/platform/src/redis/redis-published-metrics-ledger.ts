import type { PublishedMetricsLedger } from "@cml-fleet/core/ports/published-metrics-ledger.port";
import type { Redis } from "ioredis";

/**
 * What the custom metrics publisher last put, in Redis: a key per group of
 * series (`<prefix>custom-metrics:<group>`) holding its values and when, with
 * an expiry, so every job process sees the same state, a restart forgets
 * nothing, and a worker's state goes away on its own once it is no longer
 * published.
 */
export function createRedisPublishedMetricsLedger(redis: Redis, keyPrefix: string): PublishedMetricsLedger {
  const redisKey = (key: string) => `${keyPrefix}custom-metrics:${key}`;
  return {
    async lastPublished(keys) {
      const states = new Map<string, { fingerprint: string; at: Date }>();
      if (keys.length === 0) {
        return states;
      }
      const replies = await redis.mget(keys.map(redisKey));
      for (const [index, reply] of replies.entries()) {
        const key = keys[index];
        const state = reply === null || key === undefined ? null : parseState(reply);
        if (key !== undefined && state !== null) {
          states.set(key, state);
        }
      }
      return states;
    },
    async recordPublished(entries, keepMs) {
      if (entries.length === 0) {
        return;
      }
      const pipeline = redis.multi();
      for (const { key, state } of entries) {
        pipeline.set(
          redisKey(key),
          JSON.stringify({ fingerprint: state.fingerprint, at: state.at.getTime() }),
          "PX",
          Math.max(1, Math.round(keepMs)),
        );
      }
      await pipeline.exec();
    },
  };
}

/** A stored state, or null when it is not one (then the group is simply due). */
function parseState(text: string): { fingerprint: string; at: Date } | null {
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === "object" &&
      value !== null &&
      "fingerprint" in value &&
      "at" in value &&
      typeof value.fingerprint === "string" &&
      typeof value.at === "number"
    ) {
      return { fingerprint: value.fingerprint, at: new Date(value.at) };
    }
  } catch {
    // Falls through: unreadable means never published.
  }
  return null;
}
