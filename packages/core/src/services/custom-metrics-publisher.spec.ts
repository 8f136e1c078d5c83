import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock";
import { FakeCloudProvider } from "../../test/support/fake-cloud-provider";
import { InMemoryPublishedMetricsLedger } from "../../test/support/in-memory-published-metrics-ledger";
import { silentLogger } from "../../test/support/silent-logger";
import { aRunningWorker, telemetry } from "../../test/support/worker-factory";
import type { FleetMetricTotals } from "../ports/fleet-metric-totals.port";
import { type CustomMetricsConfig, createCustomMetricsPublisher } from "./custom-metrics-publisher";

const PERIOD_MS = 300_000;

function totalsOf(overrides: Partial<FleetMetricTotals> = {}): FleetMetricTotals {
  return {
    accountId: "default",
    region: "us-east-1",
    workersRunning: 10,
    workersCmlReachable: 9,
    runningNodes: 40,
    startedLabs: 3,
    workersLicensed: 9,
    workersIdle: 2,
    ...overrides,
  };
}

function publisherWith(config: Partial<CustomMetricsConfig> = {}) {
  const clock = new FakeClock();
  const cloud = new FakeCloudProvider();
  // Shared by both publishers below: the state two job processes (or a restarted one) see in Redis.
  const ledger = new InMemoryPublishedMetricsLedger();
  let totals = [totalsOf()];
  const make = () =>
    createCustomMetricsPublisher({
      cloud,
      clock,
      logger: silentLogger,
      ledger,
      totals: { fleetMetricTotals: async () => totals },
      config: { enabled: true, namespace: "CMLFleet", periodMs: PERIOD_MS, perWorker: false, ...config },
    });
  return {
    clock,
    cloud,
    publisher: make(),
    /** Another process (or this one restarted) with the same ledger. */
    another: make,
    setTotals: (next: FleetMetricTotals[]) => {
      totals = next;
    },
  };
}

describe("the custom metrics publisher", () => {
  it("puts the six fleet totals of a region in one request, without a per-worker dimension", async () => {
    const { cloud, publisher } = publisherWith();
    expect(await publisher.publishFleetTotals()).toEqual({ published: 1, unchanged: 0 });
    expect(cloud.calls.publishMetrics).toBe(1);
    expect(cloud.published.map((datum) => [datum.name, datum.value, datum.dimensions])).toEqual([
      ["WorkersRunning", 10, {}],
      ["WorkersCmlReachable", 9, {}],
      ["RunningNodes", 40, {}],
      ["StartedLabs", 3, {}],
      ["WorkersLicensed", 9, {}],
      ["WorkersIdle", 2, {}],
    ]);
  });

  it("puts unchanged totals again only once the period has passed, in any process", async () => {
    const { clock, cloud, publisher, another } = publisherWith();
    await publisher.publishFleetTotals();
    clock.advance(PERIOD_MS - 60_000);
    expect(await another().publishFleetTotals()).toEqual({ published: 0, unchanged: 1 });
    expect(cloud.calls.publishMetrics).toBe(1);
    clock.advance(60_000);
    expect(await another().publishFleetTotals()).toEqual({ published: 1, unchanged: 0 });
    expect(cloud.calls.publishMetrics).toBe(2);
  });

  it("puts changed totals at once, each region on its own", async () => {
    const { clock, cloud, publisher, setTotals } = publisherWith();
    await publisher.publishFleetTotals();
    clock.advance(60_000);
    setTotals([totalsOf({ runningNodes: 41 }), totalsOf({ region: "eu-west-1" })]);
    expect(await publisher.publishFleetTotals()).toEqual({ published: 2, unchanged: 0 });
    clock.advance(60_000);
    expect(await publisher.publishFleetTotals()).toEqual({ published: 0, unchanged: 2 });
    expect(cloud.calls.publishMetrics).toBe(3);
  });

  it("puts no per-worker series unless asked to, and then only a changed worker's before the period", async () => {
    const quiet = aRunningWorker({ id: "w-quiet", telemetry: telemetry({ runningNodes: 2 }) });
    const busy = aRunningWorker({ id: "w-busy", telemetry: telemetry({ runningNodes: 5 }) });
    const off = publisherWith();
    expect(
      await off.publisher.publishWorkers({ accountId: "default", region: "us-east-1" }, [quiet], new Date()),
    ).toEqual({ published: 0, unchanged: 0 });
    expect(off.cloud.calls.publishMetrics ?? 0).toBe(0);

    const { clock, cloud, publisher } = publisherWith({ perWorker: true });
    const target = { accountId: "default", region: "us-east-1" };
    await publisher.publishWorkers(target, [quiet, busy], clock.now());
    expect(cloud.published).toHaveLength(6);
    clock.advance(60_000);
    const busier = { ...busy, telemetry: telemetry({ runningNodes: 6 }) };
    expect(await publisher.publishWorkers(target, [quiet, busier], clock.now())).toEqual({
      published: 1,
      unchanged: 1,
    });
    expect(cloud.published.slice(6).map((datum) => datum.dimensions.WorkerId)).toEqual([
      "w-busy",
      "w-busy",
      "w-busy",
    ]);
  });

  it("publishes nothing when custom metrics are off", async () => {
    const { cloud, publisher } = publisherWith({ enabled: false });
    expect(await publisher.publishFleetTotals()).toEqual({ published: 0, unchanged: 0 });
    expect(cloud.calls.publishMetrics ?? 0).toBe(0);
  });
});
