import { type ApiApp, createApiApp } from "@cml-fleet/api/app";
import { type RunningApiServer, startApiServer } from "@cml-fleet/api/http/server";
import type { NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { PRICE_CACHE_KEY } from "@cml-fleet/platform/pricing/redis-price-cache";
import { describe, expect, it } from "vitest";
import { graphqlCaller } from "../../api/test/graphql/support/graphql-client";
import { anEvent, aWorker } from "../../api/test/support/worker-factory";
import { type FleetHarness, useHarness } from "../../jobs/test/support/fleet-harness";

const ADMIN = "cmlf_cost-pricing-admin-0123456789abcdef0123456789ab";
const HOUR_MS = 3_600_000;
/** The API's clock: costs are read at this instant, so every figure below is exact. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR_MS);

/**
 * The simulator's root volume is 64 GiB of gp3; gp3 is $0.08 per GB-month in
 * us-east-1 (both in the simulator's price list and in the static table),
 * prorated over 730 hours: 64 * 0.08 / 730 = $0.00701369863 an hour.
 */
const STORAGE_PER_HOUR = (64 * 0.08) / 730;

interface CostView {
  readonly hourlyRate: number;
  readonly priceSource: string;
  readonly storageHourlyRate: number;
  readonly storageGiB: number | null;
  readonly storagePriceSource: string;
  readonly hourlyCost: number;
  readonly accrued: number;
  readonly savedByAutoStop: number;
}
interface SummaryView {
  readonly hourlyCost: number;
  readonly storageHourlyCost: number;
  readonly savedByAutoStop: number;
  readonly pricingSource: string;
  readonly pricesFetchedAt: string | null;
}
interface SimStats {
  readonly ec2: Readonly<Record<string, number>>;
  readonly pricing: Readonly<Record<string, number>>;
}

const COST_FIELDS =
  "hourlyRate priceSource storageHourlyRate storageGiB storagePriceSource hourlyCost accrued savedByAutoStop";

/** What a person sees: every worker's cost and the fleet summary, from an API reading at NOW. */
async function readCosts(
  fleet: FleetHarness,
): Promise<{ costs: Map<string, CostView>; summary: SummaryView }> {
  // A new API each time: an API process holds one read of the price cache for a few seconds.
  const clock: Clock = { now: () => NOW };
  let app: ApiApp | undefined;
  let server: RunningApiServer | undefined;
  try {
    app = await createApiApp({
      settings: fleet.settings,
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
      clock,
    });
    server = await startApiServer(app.deps, { port: 0 });
    const call = graphqlCaller(server.url, ADMIN);
    const data = await call<{
      workers: { edges: { node: { name: string; cost: CostView } }[] };
      fleetSummary: SummaryView;
    }>(`{ workers(first: 50) { edges { node { name cost { ${COST_FIELDS} } } } }
          fleetSummary { hourlyCost storageHourlyCost savedByAutoStop pricingSource pricesFetchedAt } }`);
    return {
      costs: new Map(data.workers.edges.map((edge) => [edge.node.name, edge.node.cost])),
      summary: data.fleetSummary,
    };
  } finally {
    await server?.close();
    await app?.close();
  }
}

async function launchSimInstance(fleet: FleetHarness, instanceType: string): Promise<string> {
  const launched = await fleet.simJson<{ instanceId: string }[]>("/_sim/instances", {
    method: "POST",
    body: JSON.stringify({
      region: "us-east-1",
      instanceType,
      tags: { "cml-fleet:managed": "true" },
      count: 1,
    }),
  });
  return launched[0]?.instanceId ?? expect.unreachable("the simulator launched nothing");
}

const statusEvent = (workerId: string, at: Date, to: string): NewFleetEvent =>
  anEvent({ type: "worker.status_changed", workerId, at, message: `now ${to}`, data: { to } });

/** Seeds a worker whose status history is `changes` (hours ago, status), the last one its current status. */
async function seedWorker(
  fleet: FleetHarness,
  overrides: Partial<Worker> & { name: string; instanceType: string },
  changes: readonly [number, Worker["status"]][],
  autoStoppedHoursAgo?: number,
): Promise<void> {
  const last = changes[changes.length - 1] ?? expect.unreachable("a history needs a status");
  const worker = aWorker({
    region: "us-east-1",
    accountId: "default",
    status: last[1],
    statusChangedAt: hoursAgo(last[0]),
    createdAt: hoursAgo(changes[0]?.[0] ?? 0),
    ...overrides,
  });
  const events = changes.map(([hours, status]) => statusEvent(worker.id, hoursAgo(hours), status));
  if (autoStoppedHoursAgo !== undefined) {
    events.push(
      anEvent({
        type: "worker.auto_stopped",
        workerId: worker.id,
        at: hoursAgo(autoStoppedHoursAgo),
        message: `${worker.name} was stopped as idle`,
        data: { reasonCode: "IDLE" },
      }),
    );
  }
  await fleet.workers.insert(worker, events);
}

async function refreshPrices(fleet: FleetHarness): Promise<void> {
  const job = await fleet.queue.enqueue("price-refresh", {});
  await fleet.queue.waitForResult(job.id, 60_000);
}

describe("costs from the AWS Price List API, EBS billed while stopped, savings net of it: GraphQL, jobs, simulator", () => {
  const fleet = useHarness("cost-pricing", {
    env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_WORKER_HOURLY_PRICES: '{"m5.2xlarge": 0.5}' },
  });

  it("prices from the Price List API with the source shown, then the static table when it fails", {
    timeout: 120_000,
  }, async () => {
    // Running for the last 3 hours.
    await seedWorker(
      fleet,
      {
        name: "running-lab",
        instanceType: "c5.2xlarge",
        instanceId: await launchSimInstance(fleet, "c5.2xlarge"),
      },
      [[3, "RUNNING"]],
    );
    // Ran 2 hours, then the idle policy stopped it 10 hours ago.
    await seedWorker(
      fleet,
      {
        name: "stopped-lab",
        instanceType: "c5.2xlarge",
        instanceId: await launchSimInstance(fleet, "c5.2xlarge"),
      },
      [
        [12, "RUNNING"],
        [10, "STOPPED"],
      ],
      10,
    );
    // Its price is configured in settings: that wins over the price list.
    await seedWorker(
      fleet,
      {
        name: "configured-lab",
        instanceType: "m5.2xlarge",
        instanceId: await launchSimInstance(fleet, "m5.2xlarge"),
      },
      [[12, "STOPPED"]],
    );
    // A type the simulator's price list does not have, on an instance the simulator does not know.
    await seedWorker(
      fleet,
      { name: "legacy-lab", instanceType: "c5.9xlarge", instanceId: "i-0000000000000dead" },
      [[12, "STOPPED"]],
    );

    await fleet.simJson("/_sim/stats", { method: "DELETE" });
    await refreshPrices(fleet);
    const stats = await fleet.simJson<SimStats>("/_sim/stats");
    expect(stats.pricing.GetProducts).toBeGreaterThan(0);
    expect(stats.ec2.DescribeVolumes).toBeGreaterThan(0);

    const listed = await readCosts(fleet);
    // The simulator lists c5.2xlarge at $0.357 (the static 2025 table says $0.34).
    expect(listed.costs.get("running-lab")).toEqual({
      hourlyRate: 0.357,
      priceSource: "aws-price-list",
      storageHourlyRate: expect.closeTo(STORAGE_PER_HOUR, 12),
      storageGiB: 64,
      storagePriceSource: "aws-price-list",
      hourlyCost: expect.closeTo(0.357 + 0.00701369863, 9),
      // 3 h of instance and storage: 3 * 0.36401369863 = 1.09204109589.
      accrued: expect.closeTo(1.09204109589, 9),
      savedByAutoStop: 0,
    });
    expect(listed.costs.get("stopped-lab")).toEqual({
      hourlyRate: 0.357,
      priceSource: "aws-price-list",
      storageHourlyRate: expect.closeTo(STORAGE_PER_HOUR, 12),
      storageGiB: 64,
      storagePriceSource: "aws-price-list",
      // Stopped, it still pays for its volume.
      hourlyCost: expect.closeTo(0.00701369863, 9),
      // 2 h of instance (0.714) and 12 h of storage (0.08416438356).
      accrued: expect.closeTo(0.79816438356, 9),
      // 10 h of instance-hours (3.57); the 10 h of storage (0.0701) were paid anyway, so they are no saving.
      savedByAutoStop: expect.closeTo(3.57, 9),
    });
    expect(listed.costs.get("configured-lab")).toMatchObject({
      hourlyRate: 0.5,
      priceSource: "configured",
      storageGiB: 64,
      hourlyCost: expect.closeTo(0.00701369863, 9),
    });
    expect(listed.costs.get("legacy-lab")).toMatchObject({
      hourlyRate: 1.53,
      priceSource: "static-2025",
      storageGiB: null,
      hourlyCost: 0,
    });
    expect(listed.summary).toEqual({
      // One instance billed (0.357) and three workers' volumes (3 * 0.00701369863), stopped ones included.
      hourlyCost: expect.closeTo(0.357 + 0.02104109589, 9),
      storageHourlyCost: expect.closeTo(0.02104109589, 9),
      savedByAutoStop: expect.closeTo(3.57, 9),
      pricingSource: "aws-price-list",
      pricesFetchedAt: expect.any(String),
    });

    // The Price List API refuses every call and the cache has expired: the static table applies, and says so.
    await fleet.redis.del(`${fleet.keyPrefix}:${PRICE_CACHE_KEY}`);
    await fleet.simJson("/_sim/faults", {
      method: "PUT",
      body: JSON.stringify({ denyActions: ["GetProducts"] }),
    });
    try {
      await refreshPrices(fleet);
    } finally {
      await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ denyActions: [] }) });
    }
    const fallback = await readCosts(fleet);
    expect(fallback.costs.get("running-lab")).toMatchObject({
      hourlyRate: 0.34,
      priceSource: "static-2025",
      storageGiB: 64,
      storagePriceSource: "static-2025",
    });
    expect(fallback.costs.get("stopped-lab")).toMatchObject({
      hourlyCost: expect.closeTo(0.00701369863, 9),
      // 10 h at the static $0.34.
      savedByAutoStop: expect.closeTo(3.4, 9),
    });
    expect(fallback.costs.get("configured-lab")).toMatchObject({
      hourlyRate: 0.5,
      priceSource: "configured",
    });
    expect(fallback.summary).toMatchObject({
      hourlyCost: expect.closeTo(0.34 + 0.02104109589, 9),
      savedByAutoStop: expect.closeTo(3.4, 9),
      pricingSource: "static-2025",
    });
  });
});
