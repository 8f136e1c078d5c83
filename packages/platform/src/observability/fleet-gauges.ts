import { BILLED_STATUSES, hourlyRate, type PriceTable } from "@cml-fleet/core/domain/cost";
import { WORKER_STATUSES } from "@cml-fleet/core/domain/worker-status";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { FleetCountGroup, WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type { FleetMetrics } from "./fleet-metrics";

export interface FleetGaugeDeps {
  readonly metrics: Pick<FleetMetrics, "workers" | "idleWorkers" | "hourlyCost" | "fleetScrapeErrors">;
  readonly readModel: Pick<WorkerReadModel, "fleetCounts">;
  readonly prices: PriceTable;
  readonly logger: Logger;
}

/** USD per hour of the billed workers; a type without a price counts as free (as fleetSummary does). */
export function fleetHourlyCostUsd(groups: readonly FleetCountGroup[], prices: PriceTable): number {
  return groups
    .filter((group) => BILLED_STATUSES.has(group.status))
    .reduce(
      (sum, group) => sum + group.count * (hourlyRate(prices, group.instanceType, group.region) ?? 0),
      0,
    );
}

/**
 * Sets the fleet gauges from one grouped count of the workers table, run
 * right before each scrape is rendered. The database stays the one truth
 * (any replica reports the same numbers), and scraping costs one statement.
 * When the read fails the gauges keep their last values and the failure is
 * counted, so the rest of the scrape still answers.
 */
export function createFleetGaugeRefresher(deps: FleetGaugeDeps): () => Promise<void> {
  const { metrics } = deps;
  return async () => {
    try {
      const counts = await deps.readModel.fleetCounts();
      for (const status of WORKER_STATUSES) {
        metrics.workers.set({ status }, counts.byStatus[status]);
      }
      metrics.idleWorkers.set(counts.idle);
      metrics.hourlyCost.set(fleetHourlyCostUsd(counts.groups, deps.prices));
    } catch (error) {
      metrics.fleetScrapeErrors.inc();
      deps.logger.warn({ err: error }, "could not read the fleet gauges");
    }
  };
}
