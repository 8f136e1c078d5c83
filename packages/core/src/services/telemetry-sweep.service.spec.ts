import { describe, expect, it } from "vitest";
import { InMemoryPublishedMetricsLedger } from "../../test/support/in-memory-published-metrics-ledger";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { decideIdle, type IdleInput } from "../domain/idle-policy";
import type { Worker } from "../domain/worker";
import { createCustomMetricsPublisher } from "./custom-metrics-publisher";
import { Slots } from "./slots";
import { createTelemetrySweepService } from "./telemetry-sweep.service";

/** A policy under which any quiet worker is idle at once: only a veto can save it. */
function idleInput(worker: Worker, now: Date): IdleInput {
  return {
    worker: { ...worker, idle: { ...worker.idle, lastStartedAt: new Date(now.getTime() - 3_600_000) } },
    activity: [],
    recentTelemetry: [],
    policy: {
      autoShutdownEnabled: true,
      thresholdMs: 60_000,
      warningAfterMs: 30_000,
      snoozeAfterStartMs: 0,
      minUptimeMs: 0,
      staleTelemetryMs: 600_000,
      cpuVetoPercent: 90,
    },
    now,
  };
}

async function fleetOf(count: number, customMetrics = false, shardSize?: number, lookSlots?: Slots) {
  const deps = fakeServiceDeps();
  const workers = [];
  for (let index = 0; index < count; index++) {
    workers.push(await deps.seedRunning({}, { "cml-fleet:managed": "true" }));
  }
  const service = createTelemetrySweepService({
    ...deps,
    lookSlots,
    sweep: {
      cmlApiPort: 443,
      cmlConcurrency: 4,
      perWorkerTimeoutMs: 200,
      metricWindowMs: 600_000,
      metricPeriodSeconds: 60,
      retentionMs: 24 * 60 * 60 * 1000,
      shardSize,
    },
    customMetrics: createCustomMetricsPublisher({
      ...deps,
      // The fleet totals are Postgres's aggregate (platform's tests); here only the per-worker series are shown.
      totals: { fleetMetricTotals: async () => [] },
      ledger: new InMemoryPublishedMetricsLedger(),
      config: { enabled: customMetrics, namespace: "CMLFleet", periodMs: 300_000, perWorker: true },
    }),
  });
  return { deps, workers, service };
}

describe("telemetry sweep", () => {
  it("makes one batched call of each kind per region, whatever the number of workers", async () => {
    const { deps, service } = await fleetOf(25);

    const summary = await service.sweep();

    expect(summary).toMatchObject({ targets: 1, workers: 25 });
    expect(deps.cloud.calls).toEqual({ describeFleet: 1, statusChecks: 1, metrics: 1 });
    expect(deps.workers.telemetry).toHaveLength(25);
  });

  it("cuts a region into shards of at most the shard size, still reading AWS once per region", async () => {
    const { deps, service } = await fleetOf(25, false, 4);

    const summary = await service.sweep();

    expect(summary).toMatchObject({ targets: 1, workers: 25, skippedShards: 0 });
    expect(summary.shards).toBeGreaterThanOrEqual(7);
    expect(deps.cloud.calls).toEqual({ describeFleet: 1, statusChecks: 1, metrics: 1 });
    expect(deps.workers.telemetry).toHaveLength(25);
  });

  it("plans a region's shards with their workers' slice of one AWS reading, and sweeps a shard from it", async () => {
    const { deps, workers, service } = await fleetOf(10, false, 3);
    const [first] = workers;
    const target = { run: "r1", accountId: first?.accountId ?? "", region: first?.region ?? "" };

    const shards = await service.planRegion(target);

    expect(shards.every((shard) => shard.looks.length <= 3)).toBe(true);
    expect(shards.flatMap((shard) => shard.looks.map((look) => look.workerId)).sort()).toEqual(
      workers.map((worker) => worker.id).sort(),
    );
    expect(deps.cloud.calls).toEqual({ describeFleet: 1, statusChecks: 1, metrics: 1 });
    const [shard] = shards;
    if (shard === undefined) {
      throw new Error("no shard");
    }
    const result = await service.sweepShard(JSON.parse(JSON.stringify(shard)));
    expect(result).toMatchObject({ workers: shard.looks.length, superseded: 0, cmlUnreachable: 0 });
    expect(deps.workers.telemetry).toHaveLength(shard.looks.length);
  });

  it("leaves alone a worker a later sweep saved when an older shard job runs after it", async () => {
    const { deps, workers, service } = await fleetOf(2);
    const [first] = workers;
    const [stale] = await service.planRegion({
      run: "old",
      accountId: first?.accountId ?? "",
      region: first?.region ?? "",
    });
    deps.clock.advance(60_000);
    await service.sweep();
    const samples = deps.workers.telemetry.length;
    if (stale === undefined) {
      throw new Error("no shard");
    }

    const result = await service.sweepShard(stale);

    expect(result.superseded).toBe(2);
    expect(deps.workers.telemetry).toHaveLength(samples);
    expect((await deps.workers.findById(first?.id ?? ""))?.telemetry?.sampledAt).toEqual(deps.clock.now());
  });

  it("publishes nothing on a sweep where nothing moved", async () => {
    const { deps, service } = await fleetOf(3);
    await service.sweep();
    const published = deps.publisher.workers.length;
    expect(published).toBe(3);

    deps.clock.advance(60_000);
    const second = await service.sweep();

    expect(second.changed).toBe(0);
    expect(deps.publisher.workers).toHaveLength(published);
    expect(deps.workers.telemetry).toHaveLength(6);
    const [first] = deps.workers.workers.values();
    expect(first?.telemetry?.sampledAt).toEqual(deps.clock.now());
  });

  it("deletes samples older than the retention after a sweep, and keeps the recent ones", async () => {
    const { deps, service } = await fleetOf(2);
    await service.sweep();
    deps.clock.advance(25 * 60 * 60 * 1000);

    const summary = await service.sweep();

    expect(summary.pruned).toBe(2);
    expect(deps.workers.telemetry).toHaveLength(2);
    expect(
      deps.workers.telemetry.every((sample) => sample.sampledAt.getTime() === deps.clock.now().getTime()),
    ).toBe(true);
  });

  it("publishes a worker whose running nodes changed, with a license change as an event", async () => {
    const { deps, workers, service } = await fleetOf(2);
    await service.sweep();
    const [busy] = workers;
    if (busy === undefined) {
      throw new Error("no worker");
    }
    deps.cml.of(busy.id).runningNodes = 4;
    deps.cml.of(busy.id).license = "REGISTERED";
    const before = deps.publisher.workers.length;

    const summary = await service.sweep();

    expect(summary.changed).toBe(1);
    expect(deps.publisher.workers.slice(before).map((worker) => worker.id)).toEqual([busy.id]);
    expect(deps.publisher.events.at(-1)).toMatchObject({ type: "worker.license_changed", workerId: busy.id });
  });

  it("does not let a hung CML API hold up the others, and marks it unreachable", async () => {
    const { deps, workers, service } = await fleetOf(3);
    const [hung, ...others] = workers;
    if (hung === undefined) {
      throw new Error("no worker");
    }
    deps.cml.of(hung.id).hang = true;

    const summary = await service.sweep();

    expect(summary.cmlUnreachable).toBe(1);
    expect((await deps.workers.findById(hung.id))?.telemetry?.cmlReachable).toBe(false);
    for (const other of others) {
      expect((await deps.workers.findById(other.id))?.telemetry?.cmlReachable).toBe(true);
    }
  });

  it("shares the process's look slots among the shards it sweeps at once, a look's deadline running from its slot", async () => {
    const slots = new Slots(1);
    const { deps, workers, service } = await fleetOf(6, false, 3, slots);
    const [first] = workers;
    const shards = await service.planRegion({
      run: "r1",
      accountId: first?.accountId ?? "",
      region: first?.region ?? "",
    });
    const hungId = shards[0]?.looks[0]?.workerId ?? "";
    // The one slot is held by a look that never answers until its deadline (200 ms): every other look waits
    // that long for the slot, and must not have spent its own deadline waiting.
    deps.cml.of(hungId).hang = true;

    const results = await Promise.all(shards.map((shard) => service.sweepShard(shard)));

    expect(results.reduce((sum, result) => sum + result.cmlUnreachable, 0)).toBe(1);
    for (const worker of workers) {
      expect((await deps.workers.findById(worker.id))?.telemetry?.cmlReachable).toBe(worker.id !== hungId);
    }
    expect(slots.inUse).toBe(0);
  });

  it("publishes each worker's CML figures in one batch per region when per-worker series are asked for", async () => {
    const { deps, service } = await fleetOf(3, true);
    await service.sweep();
    expect(deps.cloud.calls.publishMetrics).toBe(1);
    expect(new Set(deps.cloud.published.map((datum) => datum.name))).toEqual(
      new Set(["RunningNodes", "StartedLabs", "LicenseRegistered"]),
    );
    expect(deps.cloud.published).toHaveLength(9);
  });

  it("marks a worker whose CML reports itself unhealthy ERROR, which the idle policy will not stop", async () => {
    const { deps, workers, service } = await fleetOf(2);
    const [sick, well] = workers;
    if (sick === undefined || well === undefined) {
      throw new Error("no worker");
    }
    deps.cml.of(sick.id).healthy = false;

    await service.sweep();

    const saved = await deps.workers.findById(sick.id);
    expect(saved?.serviceStatus).toBe("ERROR");
    expect((await deps.workers.findById(well.id))?.serviceStatus).toBe("AVAILABLE");
    expect(deps.workers.events.find((e) => e.workerId === sick.id)).toMatchObject({
      type: "worker.service_status_changed",
      reason: expect.stringContaining("not valid"),
      data: { from: "AVAILABLE", to: "ERROR" },
    });
    expect(saved === null ? null : decideIdle(idleInput(saved, deps.clock.now())).reasonCode).toBe(
      "SERVICE_NOT_AVAILABLE",
    );

    deps.cml.of(sick.id).healthy = true;
    await service.sweep();
    expect((await deps.workers.findById(sick.id))?.serviceStatus).toBe("AVAILABLE");
  });

  it("asks each running worker's health once a sweep, along with its other questions", async () => {
    const { deps, workers, service } = await fleetOf(3);

    await service.sweep();
    await service.sweep();

    expect(workers.map((worker) => deps.cml.of(worker.id).healthCalls)).toEqual([2, 2, 2]);
  });

  it("fails closed when the health read fails: CML counts as unreachable, never as healthy", async () => {
    const { deps, workers, service } = await fleetOf(1);
    const [worker] = workers;
    if (worker === undefined) {
      throw new Error("no worker");
    }
    deps.cml.of(worker.id).healthFails = true;

    const summary = await service.sweep();

    const saved = await deps.workers.findById(worker.id);
    expect(summary.cmlUnreachable).toBe(1);
    expect(saved).toMatchObject({ serviceStatus: "UNAVAILABLE", telemetry: { cmlReachable: false } });
    expect(saved === null ? null : decideIdle(idleInput(saved, deps.clock.now())).idle).toBe(false);
  });
});
