import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { createRedisMonitoringUsage } from "@cml-fleet/platform/redis/redis-monitoring-usage";
import { beforeAll, describe, expect, it } from "vitest";
import { patchCml, runOnce } from "./support/fleet-driver";
import { type FleetHarness, useHarness } from "./support/fleet-harness";
import { runningWorkers } from "./support/shard-sweep-fixture";

/**
 * Issue 19: custom metrics as fleet totals per account and region, put only
 * when they changed or once CML_CUSTOM_METRICS_PERIOD has passed, computed by
 * the sweep's fan-out after its shards (4 workers in shards of 2 here), and
 * no per-worker series unless asked for. The job process runs the scheduled
 * sweep's jobs against the simulator's EC2, CloudWatch and CML over HTTP; the
 * simulator counts what AWS would bill (`cloudwatchBilling`).
 */

interface SimStats {
  readonly cloudwatch: Record<string, number>;
  readonly cloudwatchBilling: {
    readonly metricsRequested: number;
    readonly putMetricDataRequests: number;
    readonly customMetricSeries: number;
  };
}

const NODES = [3, 0, 5, 2];

/** Metrics this test asked the simulator for itself: the simulator bills them, the fleet did not ask. */
let testsOwnQueries = 0;

/** The latest value of a fleet total (no dimensions) as CloudWatch holds it, read with the SDK. */
async function latestTotal(fleet: FleetHarness, name: string): Promise<number | undefined> {
  const cloudwatch = new CloudWatchClient({
    region: "us-east-1",
    endpoint: fleet.sim.url,
    credentials: { accessKeyId: "sim", secretAccessKey: "sim" },
  });
  try {
    const now = Date.now();
    testsOwnQueries += 1;
    const answer = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 600_000),
        EndTime: new Date(now + 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          {
            Id: "total",
            MetricStat: {
              Metric: { Namespace: "CMLFleet", MetricName: name, Dimensions: [] },
              Period: 60,
              Stat: "Maximum",
            },
          },
        ],
      }),
    );
    return answer.MetricDataResults?.[0]?.Values?.[0];
  } finally {
    cloudwatch.destroy();
  }
}

describe("custom metrics: fleet totals, only on change or after the period", () => {
  const fleet = useHarness("custom-metrics", {
    env: {
      CML_CUSTOM_METRICS_ENABLED: "true",
      CML_CUSTOM_METRICS_PERIOD: "1h",
      CML_SWEEP_SHARD_SIZE: "2",
      CML_LICENSE_TOKEN: "",
    },
  });
  let workers: Worker[] = [];

  beforeAll(async () => {
    workers = await runningWorkers(fleet, NODES.length);
    for (const [index, worker] of workers.entries()) {
      await patchCml(fleet, worker.instanceId, { runningNodes: NODES[index] });
    }
    await fleet.simJson("/_sim/stats", { method: "DELETE" });
  }, 180_000);

  const billing = async () => (await fleet.simJson<SimStats>("/_sim/stats")).cloudwatchBilling;

  it("puts the fleet's totals over both shards once, then nothing while they stay the same, across a restart of the job process", {
    timeout: 180_000,
  }, async () => {
    const first = (await runOnce(fleet, "telemetry-sweep")) as { shards: number; workers: number };
    expect(first.workers).toBe(4);
    // Cut by a hash of the ids into shards of at most 2: each shard saw only part of the fleet.
    expect(first.shards).toBeGreaterThanOrEqual(2);
    expect(await billing()).toMatchObject({ putMetricDataRequests: 1, customMetricSeries: 6 });
    expect(await latestTotal(fleet, "WorkersRunning")).toBe(4);
    expect(await latestTotal(fleet, "WorkersCmlReachable")).toBe(4);
    expect(await latestTotal(fleet, "RunningNodes")).toBe(NODES.reduce((sum, nodes) => sum + nodes, 0));

    await runOnce(fleet, "telemetry-sweep");
    expect((await billing()).putMetricDataRequests).toBe(1);

    // What was last put is kept in Redis: a new job process does not put the same totals again.
    await fleet.jobs?.close();
    await fleet.startJobs();
    await runOnce(fleet, "telemetry-sweep");
    expect((await billing()).putMetricDataRequests).toBe(1);
  });

  it("puts the totals again as soon as one worker's figures change, and never a per-worker series", {
    timeout: 180_000,
  }, async () => {
    const changed = workers[1] ?? expect.unreachable();
    await patchCml(fleet, changed.instanceId, { runningNodes: 7 });
    const before = await billing();
    await runOnce(fleet, "telemetry-sweep");
    const after = await billing();
    expect(after.putMetricDataRequests - before.putMetricDataRequests).toBe(1);
    expect(await latestTotal(fleet, "RunningNodes")).toBe(3 + 7 + 5 + 2);
    // The six fleet totals are the only series ever put: none per worker by default.
    expect(after.customMetricSeries).toBe(6);
  });

  it("counts in Redis the billable units the simulator counted, for fleetSummary's monitoring cost", async () => {
    const usage = await createRedisMonitoringUsage(fleet.redis, redisPrefixes(fleet.keyPrefix).keys).tally();
    const counted = await billing();
    expect({
      metricsRequested: usage.metricsRequested,
      putMetricDataRequests: usage.putMetricDataRequests,
      customMetricSeries: usage.customMetricSeries,
    }).toEqual({ ...counted, metricsRequested: counted.metricsRequested - testsOwnQueries });
    // Four sweeps of 4 workers (CML answers their CPU, so whether CloudWatch is asked is the sweep's choice).
    expect(usage.metricsRequested).toBeGreaterThan(0);
    expect(usage.coveredMs).toBeGreaterThan(0);
  });
});
