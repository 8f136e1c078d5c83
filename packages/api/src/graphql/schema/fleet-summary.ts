import { BILLED_STATUSES, hourlyRate } from "@cml-fleet/core/domain/cost";
import { costOf } from "@cml-fleet/core/domain/worker-insights";
import { WORKER_STATUSES, type WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { builder } from "../builder";
import type { GraphQLContext } from "../context";
import { WorkerStatusEnum } from "./enums";

interface FleetSummaryShape {
  readonly total: number;
  readonly byStatus: readonly { status: WorkerStatus; count: number }[];
  readonly idle: number;
  readonly hourlyCost: number;
  readonly savedByAutoStop: number;
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
    hourlyCost: t.exposeFloat("hourlyCost", { description: "USD per hour of the workers billed right now." }),
    savedByAutoStop: t.exposeFloat("savedByAutoStop", {
      description: "USD the idle policy saved on the workers not terminated.",
    }),
  }),
});

/**
 * Counts and the hourly cost in one aggregate statement; savings from the
 * histories of the workers the idle policy has stopped (no other worker has
 * any), batched, so the cost follows those workers rather than the fleet.
 */
async function summarize(context: GraphQLContext): Promise<FleetSummaryShape> {
  const { workers, settings, clock } = context.reads;
  const [counts, autoStopped] = await Promise.all([
    workers.fleetCounts(),
    workers.autoStoppedWorkerIds().then((ids) => workers.findByIds(ids)),
  ]);
  const hourlyCost = counts.groups
    .filter((group) => BILLED_STATUSES.has(group.status))
    .reduce(
      (sum, group) =>
        sum + group.count * (hourlyRate(settings.pricing, group.instanceType, group.region) ?? 0),
      0,
    );
  const now = clock.now();
  const costs = await Promise.all(
    autoStopped.map(async (worker) => {
      const { history, autoStops } = await context.loaders.costInputs.load(worker.id);
      return costOf(worker, history, autoStops, settings.pricing, now);
    }),
  );
  return {
    total: counts.total,
    byStatus: WORKER_STATUSES.map((status) => ({ status, count: counts.byStatus[status] })),
    idle: counts.idle,
    hourlyCost,
    savedByAutoStop: costs.reduce((sum, cost) => sum + cost.savedByAutoStop, 0),
  };
}

builder.queryField("fleetSummary", (t) =>
  t.field({
    type: FleetSummaryRef,
    authScopes: { role: "VIEWER" },
    resolve: (_root, _args, context) => summarize(context),
  }),
);
