import type { ShardSweepResult } from "@cml-fleet/core/domain/telemetry-sweep-run";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { RunningJobProcess } from "../src/job-process";
import { PATIENCE, useHarness } from "./support/fleet-harness";
import { completedShards, runningWorkers, secondJobProcess } from "./support/shard-sweep-fixture";

/**
 * The sharded telemetry sweep (issue 14, "Must show"): the fleet-level job
 * fans out a region step per account and region, which reads AWS once and
 * queues a job per shard; two job processes on one Redis and one Postgres
 * share the shards, and a shard is never swept by two runs at once.
 */

/** The metrics the AWS adapter asks CloudWatch for, one query per instance and metric. */
const METRICS = 4;

interface SimStats {
  readonly ec2?: Record<string, number>;
  readonly cloudwatch?: Record<string, number>;
}

interface SweepSummary {
  readonly targets: number;
  readonly workers: number;
  readonly cmlUnreachable: number;
  readonly shards: number;
  readonly skippedShards: number;
  readonly failedTargets: readonly unknown[];
}

const sumOf = (counts: Record<string, number> | undefined) =>
  Object.values(counts ?? {}).reduce((sum, count) => sum + count, 0);

describe("a sharded telemetry sweep of 2,500 workers in one region, taken by two job processes", () => {
  const N = 2_500;
  const SHARD_SIZE = 200;
  // Two shards at once per process (TELEMETRY_SHARDS_AT_ONCE), so neither can take every shard while the other
  // waits; leases and job locks of 30 s, as one process here carries thousands of CML answers beside the
  // simulator serving them, and a renewal late by the harness's 5 s would count as a lost lease.
  const runtime = { lockDurationMs: 30_000, workerLockTtlMs: 30_000 };
  const fleet = useHarness(
    "sweep-sharded",
    {
      env: {
        CML_SWEEP_SHARD_SIZE: String(SHARD_SIZE),
        CML_REQUEST_CONCURRENCY: "32",
        CML_LICENSE_CHECK_ON_STARTUP: "false",
      },
      runtime,
    },
    180_000,
  );
  let second: RunningJobProcess | null = null;
  afterAll(async () => {
    await second?.close();
  }, 60_000);

  it("makes exactly the floor number of AWS calls, and both processes sweep shards", {
    timeout: 600_000,
  }, async () => {
    second = await secondJobProcess(fleet, runtime);
    const workers = await runningWorkers(fleet, N);
    await fleet.simJson("/_sim/stats", { method: "DELETE" });

    const job = await fleet.queue.enqueue("telemetry-sweep", {});
    const summary = (await fleet.queue.waitForResult(job.id, 540_000)) as SweepSummary;

    const stats = await fleet.simJson<SimStats>("/_sim/stats");
    const floor = 2 * Math.ceil(N / 1000) + Math.ceil((N * METRICS) / 500);
    expect(sumOf(stats.ec2) + sumOf(stats.cloudwatch)).toBe(floor);
    expect(stats.ec2).toEqual({
      DescribeInstances: Math.ceil(N / 1000),
      DescribeInstanceStatus: Math.ceil(N / 1000),
    });
    expect(stats.cloudwatch).toEqual({ GetMetricData: Math.ceil((N * METRICS) / 500) });

    // Every worker swept, and its CML asked in time: a shard looks at no more workers at once than the process's
    // bound on CML requests in flight holds, so no look times out queueing for a slot.
    expect(summary).toMatchObject({
      targets: 1,
      workers: N,
      cmlUnreachable: 0,
      skippedShards: 0,
      failedTargets: [],
    });
    const [first, last] = [workers[0], workers.at(-1)];
    for (const worker of [first, last]) {
      const stored = await fleet.workers.findById(worker?.id ?? "");
      expect(stored?.telemetry).toMatchObject({ cmlReachable: true, runningNodes: 0 });
      expect(await fleet.workers.recentTelemetry(worker?.id ?? "", 5)).toHaveLength(1);
    }
    expect(summary.shards).toBeGreaterThanOrEqual(Math.ceil(N / SHARD_SIZE));
    const shards = await completedShards(fleet);
    expect(shards).toHaveLength(summary.shards);
    for (const { result } of shards) {
      expect(result).toMatchObject({ workers: expect.any(Number) });
      expect("workers" in result && result.workers <= SHARD_SIZE).toBe(true);
    }
    // Each process names itself on the jobs it takes: both took shards of this one sweep.
    const processes = new Set(shards.map((shard) => shard.processedBy));
    const firstProcess = fleet.jobs?.workers.processId ?? "";
    expect(processes).toEqual(
      new Set([`cml-fleet-jobs-${firstProcess}`, `cml-fleet-jobs-${second.workers.processId}`]),
    );
  });
});

describe("no shard of the telemetry sweep is swept twice at once", () => {
  // Few enough shards that the two processes sweep them all at once (TELEMETRY_SHARDS_AT_ONCE each).
  const WORKERS = 20;
  const fleet = useHarness("sweep-shard-lease", {
    env: {
      CML_SWEEP_SHARD_SIZE: "10",
      // One CML request in flight per process: a shard of ten asks 60 questions one at a time, 15 s at 250 ms
      // a CML answer, long enough for the second trigger to find it under way.
      CML_REQUEST_CONCURRENCY: "1",
      CML_LICENSE_CHECK_ON_STARTUP: "false",
    },
  });
  let second: RunningJobProcess | null = null;
  afterAll(async () => {
    await second?.close();
  }, 60_000);

  it("a sweep triggered while the last one's shards still run skips those shards and says so; no two runs of a shard overlap", {
    timeout: 300_000,
  }, async () => {
    second = await secondJobProcess(fleet);
    await runningWorkers(fleet, WORKERS);
    await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ cmlLatencyMs: 250 }) });

    const firstSweep = await fleet.queue.enqueue("telemetry-sweep", {});
    // The next trigger comes once the first sweep's shards are under way.
    const shardQueue = new Queue(queueName("telemetry-shard"), {
      connection: fleet.redis,
      prefix: fleet.keyPrefix,
    });
    try {
      await vi.waitFor(async () => expect(await shardQueue.getActiveCount()).toBeGreaterThan(0), PATIENCE);
    } finally {
      await shardQueue.close();
    }
    const secondSweep = await fleet.queue.enqueue("telemetry-sweep", {});
    const [firstSummary, secondSummary] = (await Promise.all([
      fleet.queue.waitForResult(firstSweep.id, 240_000),
      fleet.queue.waitForResult(secondSweep.id, 240_000),
    ])) as [SweepSummary, SweepSummary];
    await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ cmlLatencyMs: 0 }) });

    expect(firstSummary).toMatchObject({ workers: WORKERS, skippedShards: 0 });
    // The overlapping trigger skipped the shards still being swept, and its summary says how many.
    expect(secondSummary.skippedShards).toBeGreaterThan(0);
    expect(secondSummary.shards + secondSummary.skippedShards).toBe(firstSummary.shards);

    const shards = await completedShards(fleet);
    const skipped = shards.filter((shard) => "skipped" in shard.result);
    expect(skipped).toHaveLength(secondSummary.skippedShards);
    for (const { result } of skipped) {
      expect(result).toMatchObject({ skipped: expect.stringContaining("was being swept by another job") });
    }
    // Per shard, the runs that happened one after the other: none began before the previous one ended.
    const runs = new Map<string, ShardSweepResult[]>();
    for (const { result } of shards) {
      if (!("skipped" in result)) {
        const key = `${result.accountId}/${result.region}/${result.shardCount}-${result.shardIndex}`;
        runs.set(key, [...(runs.get(key) ?? []), result]);
      }
    }
    expect(runs.size).toBe(firstSummary.shards);
    for (const shardRuns of runs.values()) {
      const ordered = [...shardRuns].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      for (const [index, run] of ordered.entries()) {
        const previous = ordered[index - 1];
        if (previous !== undefined) {
          expect(run.startedAt >= previous.finishedAt).toBe(true);
        }
      }
    }
  });
});
