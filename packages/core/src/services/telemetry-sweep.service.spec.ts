import { describe, expect, it } from "vitest";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { createTelemetrySweepService } from "./telemetry-sweep.service";

async function fleetOf(count: number, customMetrics = false) {
  const deps = fakeServiceDeps();
  const workers = [];
  for (let index = 0; index < count; index++) {
    workers.push(await deps.seedRunning({}, { "cml-fleet:managed": "true" }));
  }
  const service = createTelemetrySweepService({
    ...deps,
    sweep: {
      cmlApiPort: 443,
      cmlConcurrency: 4,
      perWorkerTimeoutMs: 200,
      metricWindowMs: 600_000,
      metricPeriodSeconds: 60,
      saveConcurrency: 4,
      customMetrics: { enabled: customMetrics, namespace: "CMLFleet" },
      retentionMs: 24 * 60 * 60 * 1000,
    },
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

  it("publishes the CML figures as custom metrics in one batch per region when enabled", async () => {
    const { deps, service } = await fleetOf(3, true);
    await service.sweep();
    expect(deps.cloud.calls.publishMetrics).toBe(1);
    expect(new Set(deps.cloud.published.map((datum) => datum.name))).toEqual(
      new Set(["RunningNodes", "StartedLabs", "LicenseRegistered"]),
    );
    expect(deps.cloud.published).toHaveLength(9);
  });
});
