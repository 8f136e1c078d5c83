import { mapWithConcurrency } from "@cml-fleet/core/services/concurrency";
import { describe, expect, it, vi } from "vitest";
import { PATIENCE, useHarness } from "./support/fleet-harness";

const N = 1_000;
/** The metrics the AWS adapter asks CloudWatch for, one query per instance and metric. */
const METRICS = 4;

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
}

interface SimStats {
  readonly ec2?: Record<string, number>;
  readonly cloudwatch?: Record<string, number>;
}

describe(`a telemetry sweep over ${N} workers in one region`, () => {
  const fleet = useHarness("sweep", { env: { CML_REQUEST_CONCURRENCY: "64" } });

  it("makes a number of AWS calls that depends on the batches, not on the instances", {
    timeout: 400_000,
  }, async () => {
    await fleet.simJson("/_sim/instances", {
      method: "POST",
      body: JSON.stringify({ region: "us-east-1", tags: { "cml-fleet:managed": "true" }, count: N }),
    });
    const running = await vi.waitFor(
      async () => {
        const all = await fleet.simJson<SimInstance[]>("/_sim/instances");
        expect(all.length).toBe(N);
        expect(all.filter((instance) => instance.state !== "running").length).toBe(0);
        return all;
      },
      { ...PATIENCE, timeout: 120_000 },
    );
    // Adopted as the import job would: one worker per instance, running and available.
    const inserted = await mapWithConcurrency(running, 8, (instance) =>
      fleet.createWorker(`sweep-${instance.instanceId}`, "us-east-1", {
        instanceId: instance.instanceId,
        publicIp: instance.publicIp,
        privateIp: instance.privateIp,
        endpoint: `https://${instance.publicIp}:${fleet.sim.cmlPort}`,
        status: "RUNNING",
        serviceStatus: "AVAILABLE",
      }),
    );
    expect(inserted.filter((result) => !result.ok)).toEqual([]);
    await fleet.simJson("/_sim/stats", { method: "DELETE" });

    const job = await fleet.queue.enqueue("telemetry-sweep", {});
    const summary = await fleet.queue.waitForResult(job.id, 360_000);

    expect(summary).toMatchObject({ targets: 1, workers: N, cmlUnreachable: 0, failedTargets: [] });
    const stats = await fleet.simJson<SimStats>("/_sim/stats");
    const awsCalls =
      Object.values(stats.ec2 ?? {}).reduce((sum, count) => sum + count, 0) +
      Object.values(stats.cloudwatch ?? {}).reduce((sum, count) => sum + count, 0);
    expect(awsCalls).toBe(2 * Math.ceil(N / 1000) + Math.ceil((N * METRICS) / 500));
    expect(stats.ec2).toEqual({ DescribeInstances: 1, DescribeInstanceStatus: 1 });
    expect(stats.cloudwatch).toEqual({ GetMetricData: Math.ceil((N * METRICS) / 500) });

    const [first] = running;
    const sampled = await fleet.workers.findByInstanceIds([first?.instanceId ?? ""]);
    expect(sampled[0]?.telemetry).toMatchObject({ cmlReachable: true, runningNodes: 0 });
    expect(await fleet.workers.recentTelemetry(sampled[0]?.id ?? "", 5)).toHaveLength(1);
  });
});
