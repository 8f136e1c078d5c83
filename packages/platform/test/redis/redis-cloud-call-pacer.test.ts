import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisCloudCallPacer } from "../../src/redis/redis-cloud-call-pacer";
import { deleteKeys, TEST_REDIS_URL } from "../support/test-redis";

const east = { accountId: "default", region: "us-east-1" };
const west = { accountId: "default", region: "us-west-2" };

/** The EC2 call pacer against a real Redis, under a key prefix of this file's own. */
describe("the Redis token bucket pacing EC2's mutating calls", () => {
  const prefix = `t-pacer-${randomBytes(4).toString("hex")}:`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it("grants a full bucket at once, then reserves the next tokens in line, one refill interval apart", async () => {
    // One token every 1,000 s: next to nothing comes back while the test runs.
    const pacer = createRedisCloudCallPacer(redis, `${prefix}a:`, {
      "run-instances": { capacity: 2, refillPerSecond: 0.001 },
      mutating: { capacity: 1, refillPerSecond: 1 },
      "non-mutating": { capacity: 1, refillPerSecond: 1 },
    });
    const waits = [];
    for (let i = 0; i < 5; i += 1) {
      waits.push(await pacer.reserve("run-instances", east));
    }
    expect(waits.slice(0, 2)).toEqual([0, 0]);
    // The third waits one refill interval, each later one an interval more: they line up, none is refused.
    const interval = 1_000_000;
    for (const [index, wait] of waits.slice(2).entries()) {
      expect(wait).toBeGreaterThan((index + 1) * interval - 60_000);
      expect(wait).toBeLessThanOrEqual((index + 1) * interval);
    }
  });

  it("keeps one bucket per call kind, account and region", async () => {
    const pacer = createRedisCloudCallPacer(redis, `${prefix}b:`, {
      "run-instances": { capacity: 1, refillPerSecond: 1 },
      mutating: { capacity: 1, refillPerSecond: 1 },
      "non-mutating": { capacity: 1, refillPerSecond: 1 },
    });
    expect(await pacer.reserve("run-instances", east)).toBe(0);
    expect(await pacer.reserve("run-instances", east)).toBeGreaterThan(0);
    expect(await pacer.reserve("run-instances", west)).toBe(0);
    expect(await pacer.reserve("mutating", east)).toBe(0);
    expect(await pacer.reserve("non-mutating", east)).toBe(0);
    expect(await pacer.reserve("run-instances", { accountId: "other", region: "us-east-1" })).toBe(0);
  });

  it("expires a bucket's key once it would be full again", async () => {
    const pacer = createRedisCloudCallPacer(redis, `${prefix}c:`, {
      "run-instances": { capacity: 10, refillPerSecond: 5 },
      mutating: { capacity: 1, refillPerSecond: 1 },
      "non-mutating": { capacity: 1, refillPerSecond: 1 },
    });
    await pacer.reserve("run-instances", east);
    const ttl = await redis.pttl(`${prefix}c:ec2-pace:run-instances:default:us-east-1`);
    // One token short: refilled in 200 ms, kept a second beyond.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_200);
  });
});
