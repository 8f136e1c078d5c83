import { BILLED_STATUSES, STORAGE_BILLED_STATUSES } from "@cml-fleet/core/domain/cost";
import {
  fleetPricingSource,
  instanceRateOf,
  type PriceSource,
  storageRateOf,
} from "@cml-fleet/core/domain/price-book";
import { costOf } from "@cml-fleet/core/domain/worker-insights";
import { WORKER_STATUSES, type WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { builder } from "../builder";
import type { GraphQLContext } from "../context";
import { ownerScope } from "../worker-ownership";
import { WorkerStatusEnum } from "./enums";

export interface FleetSummaryShape {
  readonly total: number;
  readonly byStatus: readonly { status: WorkerStatus; count: number }[];
  readonly idle: number;
  readonly hourlyCost: number;
  readonly storageHourlyCost: number;
  readonly savedByAutoStop: number;
  readonly pricingSource: PriceSource;
  readonly pricesFetchedAt: Date | null;
}

const StatusCountRef = builder.objectRef<{ status: WorkerStatus; count: number }>("StatusCount").implement({
  fields: (t) => ({
    status: t.expose("status", { type: WorkerStatusEnum }),
    count: t.exposeInt("count"),
  }),
});

const FleetSummaryRef = builder.objectRef<FleetSummaryShape>("FleetSummary").implement({
  fields: (t) => ({
    total: t.exposeInt("total"),
    byStatus: t.field({ type: [StatusCountRef], resolve: (summary) => summary.byStatus }),
    idle: t.exposeInt("idle", { description: "Running workers in an idle stretch." }),
    hourlyCost: t.exposeFloat("hourlyCost", {
      description:
        "USD per hour the fleet costs right now: the instances billed, and the EBS storage of every worker not terminated (stopped ones included).",
    }),
    storageHourlyCost: t.exposeFloat("storageHourlyCost", {
      description: "The part of hourlyCost that is EBS storage, paid whether workers run or not.",
    }),
    savedByAutoStop: t.exposeFloat("savedByAutoStop", {
      description:
        "USD the idle policy saved on the workers not terminated: instance-hours only, since storage is billed while stopped too.",
    }),
    pricingSource: t.exposeString("pricingSource", {
      description:
        "Where the fleet's prices come from: aws-price-list (a cached Price List API refresh) or static-2025 (the built-in table). A worker's cost.priceSource also says configured when settings set its price.",
    }),
    pricesFetchedAt: t.expose("pricesFetchedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the cached prices were fetched from the AWS Price List API; null without any.",
    }),
  }),
});

/**
 * Counts and the instances' hourly cost in one aggregate statement; the
 * storage of the workers whose volume sizes the price refresh has seen;
 * savings from the histories of the workers the idle policy has stopped (no
 * other worker has any), batched, so the cost follows those workers rather
 * than the fleet. Prices come from the cache only: never an AWS call here.
 */
async function summarize(context: GraphQLContext): Promise<FleetSummaryShape> {
  const { workers, clock } = context.reads;
  const prices = await context.reads.prices.current();
  const knowsVolumes = prices.live !== null && Object.keys(prices.live.volumes).length > 0;
  // A USER's summary is over the workers it owns, each read narrowed in SQL.
  const owners = ownerScope(context);
  const [counts, autoStopped, active] = await Promise.all([
    workers.fleetCounts(owners),
    workers.autoStoppedWorkerIds(owners).then((ids) => workers.findByIds(ids)),
    knowsVolumes ? workers.listActive(owners) : Promise.resolve([]),
  ]);
  const instanceHourlyCost = counts.groups
    .filter((group) => BILLED_STATUSES.has(group.status))
    .reduce(
      (sum, group) => sum + group.count * (instanceRateOf(prices, group.instanceType, group.region).usd ?? 0),
      0,
    );
  const storageHourlyCost = active
    .filter((worker) => STORAGE_BILLED_STATUSES.has(worker.status))
    .reduce((sum, worker) => sum + storageRateOf(prices, worker.instanceId, worker.region).hourlyUsd, 0);
  const now = clock.now();
  const costs = await Promise.all(
    autoStopped.map(async (worker) => {
      const { history, autoStops } = await context.loaders.costInputs.load(worker.id);
      return costOf(worker, history, autoStops, prices, now);
    }),
  );
  return {
    total: counts.total,
    byStatus: WORKER_STATUSES.map((status) => ({ status, count: counts.byStatus[status] })),
    idle: counts.idle,
    hourlyCost: instanceHourlyCost + storageHourlyCost,
    storageHourlyCost,
    savedByAutoStop: costs.reduce((sum, cost) => sum + cost.savedByAutoStop, 0),
    pricingSource: fleetPricingSource(prices),
    pricesFetchedAt: prices.live?.fetchedAt ?? null,
  };
}

builder.queryField("fleetSummary", (t) =>
  t.field({
    type: FleetSummaryRef,
    authScopes: { role: "VIEWER", user: "read" },
    // Shared by this process's callers of the same scope for up to a second (see fleet-summary-cache.ts).
    resolve: (_root, _args, context) =>
      context.reads.fleetSummaries.get(ownerScope(context), () => summarize(context)),
  }),
);
