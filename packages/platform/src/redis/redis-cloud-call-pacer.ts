import type { CloudCallBucket, CloudCallPacer } from "@cml-fleet/core/ports/cloud-call-pacer.port";
import type { CloudTarget } from "@cml-fleet/core/ports/cloud-provider.port";
import type { Redis } from "ioredis";

/** A bucket's size and how fast it fills again, as EC2 publishes them for the call kind. */
export interface BucketRate {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export type CloudCallRates = Readonly<Record<CloudCallBucket, BucketRate>>;

/**
 * A token bucket with reservations, in one atomic step. The clock is Redis's
 * (TIME), so every process sees one time. The balance may go below zero: a
 * call that finds no token takes the next one to come and is told how long
 * until it is due, so waiting callers line up behind each other instead of
 * all asking again at once. The key expires once the bucket would be full.
 * Returns the milliseconds until the reserved token is due (0: now).
 */
const RESERVE = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2]) / 1000
local state = redis.call("HMGET", KEYS[1], "tokens", "at")
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * perMs)
  at = now
end
tokens = tokens - 1
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(at))
redis.call("PEXPIRE", KEYS[1], math.ceil((capacity - tokens) / perMs) + 1000)
if tokens >= 0 then
  return 0
end
return math.ceil(-tokens / perMs)
`;

/**
 * The fleet's EC2 call pacing in Redis: one bucket per call kind, account and
 * region (`<prefix>ec2-pace:<bucket>:<account>:<region>`), shared by every
 * job process on the same Redis and key prefix.
 */
export function createRedisCloudCallPacer(
  redis: Redis,
  keyPrefix: string,
  rates: CloudCallRates,
): CloudCallPacer {
  const key = (bucket: CloudCallBucket, target: CloudTarget) =>
    `${keyPrefix}ec2-pace:${bucket}:${target.accountId}:${target.region}`;
  return {
    async reserve(bucket, target) {
      const rate = rates[bucket];
      const waitMs = await redis.eval(
        RESERVE,
        1,
        key(bucket, target),
        String(rate.capacity),
        String(rate.refillPerSecond),
      );
      return Math.max(0, Number(waitMs));
    },
  };
}
