import { randomBytes } from "node:crypto";
import { SWEEP_KINDS } from "@cml-fleet/core/domain/job";
import { heartbeatKey, scheduleKey } from "@cml-fleet/platform/queue/job-worker-health";
import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeys, TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { createScheduleReadiness } from "../../src/http/schedule-readiness";

/**
 * /readyz's `schedules` check against the real Redis (a key prefix of this
 * file's own): a schedule missing while a job process that keeps them beats
 * is a note for two heartbeat intervals, then a failure; with no such
 * process, nothing to judge. The clock is the test's, so no waiting.
 */
const base = `t-api-sched-${randomBytes(4).toString("hex")}`;
const prefixes = redisPrefixes(base);
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
afterAll(async () => {
  await deleteKeys(redis, base);
  await redis.quit();
});

async function beat(keepsSchedules: boolean, intervalMs = 1_000): Promise<void> {
  await redis.set(
    heartbeatKey(prefixes.keys, "p-1"),
    JSON.stringify({
      processId: "p-1",
      hostname: "h",
      pid: 1,
      queues: [],
      startedAt: new Date().toISOString(),
      beatAt: new Date().toISOString(),
      intervalMs,
      keepsSchedules,
    }),
    "PX",
    60_000,
  );
}

async function declareAll(): Promise<void> {
  for (const kind of SWEEP_KINDS) {
    await redis.hset(scheduleKey(prefixes.bullmq, kind), "every", "1000");
  }
}

describe("the schedules readiness check", () => {
  let clock = 1_000_000;
  const check = createScheduleReadiness({
    redis,
    bullmqPrefix: prefixes.bullmq,
    keysPrefix: prefixes.keys,
    now: () => clock,
  });

  it("passes without a note when no job process keeps schedules, even with none declared", async () => {
    await beat(false);
    await expect(check()).resolves.toBeUndefined();
  });

  it("notes missing schedules for two heartbeat intervals, then fails naming them; passes once they are back", async () => {
    await declareAll();
    await beat(true, 1_000);
    await expect(check()).resolves.toBeUndefined();

    await redis.del(scheduleKey(prefixes.bullmq, "idle-check"), scheduleKey(prefixes.bullmq, "reconcile"));
    await expect(check()).resolves.toEqual({
      note: expect.stringMatching(/^idle-check, reconcile missing for 0s/),
    });
    clock += 2_000;
    await expect(check()).resolves.toEqual({ note: expect.stringContaining("missing for 2s") });
    clock += 1;
    await expect(check()).rejects.toThrow(
      /^idle-check, reconcile missing for 2s, longer than 2 heartbeat intervals \(2s\)/,
    );

    await declareAll();
    await expect(check()).resolves.toBeUndefined();
    // Missing again later: counted afresh, not from the first time.
    await redis.del(scheduleKey(prefixes.bullmq, "telemetry-sweep"));
    clock += 60_000;
    await expect(check()).resolves.toEqual({
      note: expect.stringMatching(/^telemetry-sweep missing for 0s/),
    });
  });
});
