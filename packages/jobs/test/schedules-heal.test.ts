import { createObservability } from "@cml-fleet/platform/observability/observability";
import { trace } from "@opentelemetry/api";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type FleetHarness, PATIENCE, startHarness } from "./support/fleet-harness";
import { type PrivateRedis, startPrivateRedis } from "./support/private-redis";

/**
 * The sweeps' schedules live only in Redis. A Redis that loses its data (a
 * FLUSHALL, a restart without persistence) while a job process runs gets them
 * back at the process's next heartbeat: the sweeps run again, with no process
 * restarted, and cml_fleet_job_schedule_present shows missing, then present.
 * A private redis-server (never the shared one), the real job process.
 */
const SWEEP_MS = 1_000;
const HEARTBEAT_MS = 3_000;
const WATCHED = ["telemetry-sweep", "idle-check", "reconcile"] as const;

describe("schedules after Redis lost its data", () => {
  let redis: PrivateRedis;
  let fleet: FleetHarness;
  let client: Redis;
  const observability = createObservability({ tracer: trace.getTracer("test") });
  const metrics = observability.metrics;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on("error", () => {});
    fleet = await startHarness("schedules-heal", { env: { REDIS_URL: redis.url }, jobWorkers: false });
    await fleet.startJobs(
      {
        heartbeatIntervalMs: HEARTBEAT_MS,
        schedules: {
          telemetrySweepMs: SWEEP_MS,
          idleCheckMs: SWEEP_MS,
          scheduleEvaluationMs: SWEEP_MS,
          reconcileMs: SWEEP_MS,
          convergeMs: SWEEP_MS,
          priceRefreshMs: 3_600_000,
        },
      },
      { observability },
    );
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    client?.disconnect();
    await redis?.close();
  }, 60_000);

  const completed = async (kind: string): Promise<number> => {
    const values = (await metrics.jobs.get()).values;
    return (
      values.find((value) => value.labels.queue === kind && value.labels.outcome === "completed")?.value ?? 0
    );
  };
  const schedulesPresent = async (): Promise<Record<string, number>> => {
    const values = (await metrics.schedulePresent.get()).values;
    return Object.fromEntries(values.map((value) => [String(value.labels.kind), value.value]));
  };
  /** Each watched sweep completes at least once more than `before` counted. */
  const sweepsRunAgain = async (before: Record<string, number>) => {
    await vi.waitFor(async () => {
      for (const kind of WATCHED) {
        expect(await completed(kind), kind).toBeGreaterThan(before[kind] ?? 0);
      }
    }, PATIENCE);
  };
  const counts = async () =>
    Object.fromEntries(
      await Promise.all(WATCHED.map(async (kind) => [kind, await completed(kind)] as const)),
    );

  it("the sweeps run on their schedules, which the gauge shows present", { timeout: 120_000 }, async () => {
    await sweepsRunAgain({});
    expect(await schedulesPresent()).toMatchObject({
      "telemetry-sweep": 1,
      "idle-check": 1,
      reconcile: 1,
      "schedule-evaluate": 1,
      "price-refresh": 1,
    });
  });

  it("FLUSHALL: the gauge shows them missing, the next heartbeat declares them again, the sweeps run again", {
    timeout: 120_000,
  }, async () => {
    await client.flushall();
    const flushedAt = Date.now();
    expect(await schedulesPresent()).toMatchObject({ "telemetry-sweep": 0, "idle-check": 0, reconcile: 0 });
    const before = await counts();

    await vi.waitFor(async () => {
      const present = await schedulesPresent();
      expect(Object.keys(present)).toEqual(expect.arrayContaining([...WATCHED]));
      expect(Object.values(present).every((value) => value === 1)).toBe(true);
    }, PATIENCE);
    await sweepsRunAgain(before);
    // Reported, not asserted (no timing assertions in tests): how long the sweeps were off.
    console.info(`schedules-heal: sweeps ran again ${Date.now() - flushedAt} ms after FLUSHALL`);
  });

  it("killed and restarted empty: the same, without restarting the job process", {
    timeout: 120_000,
  }, async () => {
    await redis.kill();
    await redis.startEmpty();
    const restartedAt = Date.now();
    const before = await counts();

    await vi.waitFor(async () => {
      const present = await schedulesPresent();
      expect(Object.keys(present)).toEqual(expect.arrayContaining([...WATCHED]));
      expect(Object.values(present).every((value) => value === 1)).toBe(true);
    }, PATIENCE);
    await sweepsRunAgain(before);
    console.info(`schedules-heal: sweeps ran again ${Date.now() - restartedAt} ms after the empty restart`);
  });
});

describe("a sweep held by another process", () => {
  let fleet: FleetHarness;
  beforeAll(async () => {
    fleet = await startHarness("sweep-lease");
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  }, 60_000);

  it("is skipped, not run a second time at once; it runs once the lease is free", {
    timeout: 120_000,
  }, async () => {
    const lease = `${fleet.keyPrefix}:sweep-lease:telemetry-sweep`;
    await fleet.redis.set(lease, "repeat:telemetry-sweep:1#other-process", "PX", 60_000);
    const held = await fleet.queue.enqueue("telemetry-sweep", {});
    expect(await fleet.queue.waitForResult(held.id, 60_000)).toEqual({
      skipped: "the same sweep was running in another process",
    });

    await fleet.redis.del(lease);
    const free = await fleet.queue.enqueue("telemetry-sweep", {});
    expect(await fleet.queue.waitForResult(free.id, 60_000)).not.toHaveProperty("skipped");
  });
});
