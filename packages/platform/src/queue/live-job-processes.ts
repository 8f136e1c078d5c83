import type { ChainableCommander, Redis } from "ioredis";

/**
 * An index of the live job processes beside their heartbeat keys: a sorted
 * set of process ids scored by when each one's heartbeat expires. Counting
 * the live ones is then one ZCOUNT, where the heartbeat keys alone would need
 * a SCAN over every key of the fleet's Redis (BullMQ's jobs included).
 * `keysPrefix` is `redisPrefixes(REDIS_KEY_PREFIX).keys`.
 */
export function liveJobProcessesKey(keysPrefix: string): string {
  return `${keysPrefix}job-processes`;
}

/** Adds to a beat's transaction: this process lives until `expiresAt` (ms); the long expired leave the index. */
export function markJobProcessLive(
  transaction: ChainableCommander,
  keysPrefix: string,
  processId: string,
  expiresAt: number,
  now: number,
): ChainableCommander {
  const key = liveJobProcessesKey(keysPrefix);
  return transaction.zremrangebyscore(key, "-inf", now).zadd(key, expiresAt, processId);
}

/** A process that stops cleanly leaves the index at once. */
export async function markJobProcessGone(redis: Redis, keysPrefix: string, processId: string): Promise<void> {
  await redis.zrem(liveJobProcessesKey(keysPrefix), processId);
}

/** Adds to a read's pipeline: how many job processes' heartbeats have not expired at `now` (ms). */
export function countLiveJobProcesses(
  pipeline: ChainableCommander,
  keysPrefix: string,
  now: number,
): ChainableCommander {
  return pipeline.zcount(liveJobProcessesKey(keysPrefix), `(${now}`, "+inf");
}
