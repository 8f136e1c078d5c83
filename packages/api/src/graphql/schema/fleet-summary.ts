import { BILLED_STATUSES, STORAGE_BILLED_STATUSES } from "@cml-fleet/core/domain/cost";
import { type MonitoringCost, projectMonitoringCost } from "@cml-fleet/core/domain/monitoring-cost";
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
  /** Null in a USER's summary: the bill is the fleet's, not spread over its owners. */
  readonly monitoringCost: MonitoringCost | null;
}

const StatusCountRef = builder.objectRef<{ status: WorkerStatus; count: number }>("StatusCount").implement({
  fields: (t) => ({
    status: t.expose("status", { type: WorkerStatusEnum }),
    count: t.exposeInt("count"),
  }),
});

const MonitoringCostRef = builder.objectRef<MonitoringCost>("MonitoringCost").implement({
  description:
    "What watching the fleet costs on the AWS bill: CloudWatch's billable units as the job processes spent them, counted per hour over the last day and projected over a month (730 hours) at list price (GetMetricData $0.01 per 1,000 metrics requested, PutMetricData $0.01 per 1,000 requests, $0.30 per custom metric series a month).",
  fields: (t) => ({
    monthlyUsd: t.exposeFloat("monthlyUsd", {
      description:
        "USD a month: getMetricDataMonthlyUsd + putMetricDataMonthlyUsd + customMetricsMonthlyUsd.",
    }),
    metricsRequestedPerMonth: t.exposeFloat("metricsRequestedPerMonth", {
      description:
        "Metrics requested from CloudWatch with GetMetricData (the telemetry sweep), projected over a month.",
    }),
    putMetricDataRequestsPerMonth: t.exposeFloat("putMetricDataRequestsPerMonth", {
      description: "PutMetricData requests (custom metrics, CML_CUSTOM_METRICS_*), projected over a month.",
    }),
    customMetricSeries: t.exposeInt("customMetricSeries", {
      description:
        "Distinct custom metric series written to in the counted window: each is billed for the month.",
    }),
    getMetricDataMonthlyUsd: t.exposeFloat("getMetricDataMonthlyUsd", {
      description: "The part of monthlyUsd that is GetMetricData.",
    }),
    putMetricDataMonthlyUsd: t.exposeFloat("putMetricDataMonthlyUsd", {
      description: "The part of monthlyUsd that is PutMetricData requests.",
    }),
    customMetricsMonthlyUsd: t.exposeFloat("customMetricsMonthlyUsd", {
      description: "The part of monthlyUsd that is custom metric series.",
    }),
    basedOnHours: t.exposeFloat("basedOnHours", {
      description:
        "Hours of counts the projection rests on (at most 24); 0 while nothing has been counted, and every figure is 0.",
    }),
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
    monitoringCost: t.field({
      type: MonitoringCostRef,
      nullable: true,
      description:
        "What monitoring the fleet costs a month at list price (CloudWatch), from the units really spent; null in a USER's summary.",
      resolve: (summary) => summary.monitoringCost,
    }),
  }),
});

/**
 * Counts and the instances' hourly cost in one aggregate statement; the
 * storage of the workers whose volume sizes the price refresh has seen;
 * savings from the histories of the workers the idle policy has stopped (no
 * other worker has any), batched, so the cost follows those workers rather
 * than the fleet. Prices come from the cache only: never an AWS call here;
 * the monitoring cost from the job processes' usage counters in Redis.
 */
async function summarize(context: GraphQLContext): Promise<FleetSummaryShape> {
  const { workers, clock } = context.reads;
  const prices = await context.reads.prices.current();
  const knowsVolumes = prices.live !== null && Object.keys(prices.live.volumes).length > 0;
  // A USER's summary is over the workers it owns, each read narrowed in SQL.
  const owners = ownerScope(context);
  const [counts, autoStopped, active, monitoringUsage] = await Promise.all([
    workers.fleetCounts(owners),
    workers.autoStoppedWorkerIds(owners).then((ids) => workers.findByIds(ids)),
    knowsVolumes ? workers.listActive(owners) : Promise.resolve([]),
    owners === null ? context.reads.monitoringUsage.tally() : Promise.resolve(null),
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
    monitoringCost: monitoringUsage === null ? null : projectMonitoringCost(monitoringUsage),
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
