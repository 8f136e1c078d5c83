import type { Worker } from "@cml-fleet/core/domain/worker";
import { describe, expect, it, vi } from "vitest";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";

/**
 * CML_REQUEST_CONCURRENCY and CML_REQUEST_TIMEOUT, seen through a real job
 * process's telemetry sweep against the simulator with its `cmlLatencyMs`
 * fault: the latency holds every CML answer, so the requests the sweep sends
 * overlap (and the simulator's `cmlInFlightPeak` counts them, all workers
 * together) or outlast the request timeout.
 */

/** Workers each sweep reads: several times the smaller concurrency, so its bound is reached. */
const WORKERS = 12;

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
}

interface SimStats {
  readonly cml: Record<string, number>;
  readonly cmlInFlightPeak: number;
}

interface SweepSummary {
  readonly workers: number;
  readonly cmlUnreachable: number;
}

/** `count` running instances, each with a ready CML, adopted as RUNNING and AVAILABLE workers. */
async function runningWorkers(fleet: FleetHarness, count: number): Promise<Worker[]> {
  const created = await fleet.simJson<SimInstance[]>("/_sim/instances", {
    method: "POST",
    body: JSON.stringify({ region: "us-east-1", tags: { "cml-fleet:managed": "true" }, count }),
  });
  const ids = new Set(created.map((instance) => instance.instanceId));
  const running = await vi.waitFor(async () => {
    const all = (await fleet.simJson<SimInstance[]>("/_sim/instances")).filter((instance) =>
      ids.has(instance.instanceId),
    );
    expect(all.filter((instance) => instance.state !== "running")).toEqual([]);
    for (const instance of all) {
      expect(await fleet.simJson(`/_sim/instances/${instance.instanceId}/cml`)).toMatchObject({
        ready: true,
      });
    }
    return all;
  }, PATIENCE);
  return Promise.all(
    running.map((instance) =>
      fleet.createWorker(`cml-${instance.instanceId}`, "us-east-1", {
        instanceId: instance.instanceId,
        publicIp: instance.publicIp,
        privateIp: instance.privateIp,
        endpoint: `https://${instance.publicIp}:${fleet.sim.cmlPort}`,
        status: "RUNNING",
        serviceStatus: "AVAILABLE",
      }),
    ),
  );
}

/** One telemetry sweep with every CML answer held `cmlLatencyMs`; the simulator's stats of it. */
async function sweepWithLatency(
  fleet: FleetHarness,
  cmlLatencyMs: number,
): Promise<{ summary: SweepSummary; stats: SimStats }> {
  await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ cmlLatencyMs }) });
  await fleet.simJson("/_sim/stats", { method: "DELETE" });
  const job = await fleet.queue.enqueue("telemetry-sweep", {});
  const summary = (await fleet.queue.waitForResult(job.id, 120_000)) as SweepSummary;
  const stats = await fleet.simJson<SimStats>("/_sim/stats");
  await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ cmlLatencyMs: 0 }) });
  return { summary, stats };
}

const sumOf = (counts: Record<string, number>) =>
  Object.values(counts).reduce((sum, count) => sum + count, 0);

describe("CML_REQUEST_CONCURRENCY bounds the CML requests a job process has in flight", () => {
  // Shards of at most 6, so the 12 workers make at least two and the process sweeps two at once, each with its
  // share of the bound (one look of one request at 2, four looks at 8).
  const narrow = useHarness("cml-concurrency-2", {
    env: { CML_REQUEST_CONCURRENCY: "2", CML_SWEEP_SHARD_SIZE: "6" },
  });
  const wide = useHarness("cml-concurrency-8", {
    env: { CML_REQUEST_CONCURRENCY: "8", CML_SWEEP_SHARD_SIZE: "6" },
  });

  it(`at 2 at most two requests are in flight; at 8 more than two are and at most eight, over ${WORKERS} workers`, {
    timeout: 240_000,
  }, async () => {
    await Promise.all([runningWorkers(narrow, WORKERS), runningWorkers(wide, WORKERS)]);

    const atTwo = await sweepWithLatency(narrow, 300);
    const atEight = await sweepWithLatency(wide, 300);

    for (const { summary } of [atTwo, atEight]) {
      expect(summary).toMatchObject({ workers: WORKERS, cmlUnreachable: 0 });
    }
    // Every worker was read with more than one request: the bound counts requests, not workers.
    expect(sumOf(atTwo.stats.cml)).toBeGreaterThan(WORKERS);
    expect(atTwo.stats.cmlInFlightPeak).toBe(2);
    expect(atEight.stats.cmlInFlightPeak).toBeGreaterThan(2);
    expect(atEight.stats.cmlInFlightPeak).toBeLessThanOrEqual(8);
  });
});

describe("CML_REQUEST_TIMEOUT ends a CML call that has no answer in time", () => {
  const short = useHarness("cml-timeout-short", { env: { CML_REQUEST_TIMEOUT: "200ms" } });
  const long = useHarness("cml-timeout-long", { env: { CML_REQUEST_TIMEOUT: "5s" } });
  /** Above the short timeout, well below the long one. */
  const LATENCY_MS = 1_000;

  it("below the CML latency the worker's service is UNAVAILABLE for a timeout; above it the same read succeeds", {
    timeout: 180_000,
  }, async () => {
    const [[timedOut], [answered]] = await Promise.all([runningWorkers(short, 1), runningWorkers(long, 1)]);
    if (timedOut === undefined || answered === undefined) {
      throw new Error("no worker was created");
    }

    const shortSweep = await sweepWithLatency(short, LATENCY_MS);
    expect(shortSweep.summary).toMatchObject({ workers: 1, cmlUnreachable: 1 });
    const afterTimeout = await short.workers.findById(timedOut.id);
    expect(afterTimeout).toMatchObject({
      serviceStatus: "UNAVAILABLE",
      // The transport's typed timeout (CmlError kind "timeout"), in the words the worker shows.
      serviceStatusReason: expect.stringContaining("no answer within 200 ms"),
    });

    const longSweep = await sweepWithLatency(long, LATENCY_MS);
    expect(longSweep.summary).toMatchObject({ workers: 1, cmlUnreachable: 0 });
    expect(await long.workers.findById(answered.id)).toMatchObject({
      serviceStatus: "AVAILABLE",
      telemetry: expect.objectContaining({ cmlReachable: true }),
    });
  });
});
