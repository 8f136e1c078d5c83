import { BILLED_STATUSES } from "@cml-fleet/core/domain/cost";
import { instanceRateOf, type PriceBook } from "@cml-fleet/core/domain/price-book";
import { LICENSE_STATUSES, WORKER_STATUSES } from "@cml-fleet/core/domain/worker-status";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { FleetCountGroup, WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type { PriceBookReader } from "@cml-fleet/core/services/price-book-reader";
import type { FleetMetrics } from "./fleet-metrics";

export interface FleetGaugeDeps {
  readonly metrics: Pick<
    FleetMetrics,
    "workers" | "idleWorkers" | "idleWarnedWorkers" | "licenseWorkers" | "hourlyCost" | "fleetScrapeErrors"
  >;
  readonly readModel: Pick<WorkerReadModel, "fleetCounts">;
  /** The same prices as fleetSummary: configured, else the cached Price List API's, else the static table. */
  readonly prices: Pick<PriceBookReader, "current">;
  readonly logger: Logger;
}

/**
 * USD per hour of the billed instances; a type without a price counts as
 * free (as fleetSummary does). EBS storage is left out here: it needs every
 * worker's volumes, more than one grouped count per scrape should read
 * (fleetSummary.storageHourlyCost has it).
 */
export function fleetHourlyCostUsd(groups: readonly FleetCountGroup[], prices: PriceBook): number {
  return groups
    .filter((group) => BILLED_STATUSES.has(group.status))
    .reduce(
      (sum, group) => sum + group.count * (instanceRateOf(prices, group.instanceType, group.region).usd ?? 0),
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
      const [counts, prices] = await Promise.all([deps.readModel.fleetCounts(), deps.prices.current()]);
      for (const status of WORKER_STATUSES) {
        metrics.workers.set({ status }, counts.byStatus[status]);
      }
      metrics.idleWorkers.set(counts.idle);
      metrics.idleWarnedWorkers.set(counts.warned);
      for (const status of LICENSE_STATUSES) {
        metrics.licenseWorkers.set({ status }, counts.byLicenseStatus[status]);
      }
      metrics.hourlyCost.set(fleetHourlyCostUsd(counts.groups, prices));
    } catch (error) {
      metrics.fleetScrapeErrors.inc();
      deps.logger.warn({ err: error }, "could not read the fleet gauges");
    }
  };
}
