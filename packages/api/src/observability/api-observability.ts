import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type { PriceBookReader } from "@cml-fleet/core/services/price-book-reader";
import { createFleetGaugeRefresher } from "@cml-fleet/platform/observability/fleet-gauges";
import { createMetricsHandler, type MetricsHandler } from "@cml-fleet/platform/observability/metrics-handler";
import type { Observability } from "@cml-fleet/platform/observability/observability";
import type { Plugin } from "graphql-yoga";
import { useGraphqlObservability } from "./graphql-observability.plugin";

/** What the API's HTTP server adds: the GraphQL plugin and the /metrics handler. */
export interface ApiObservability {
  readonly plugin: Plugin;
  readonly metricsHandler: MetricsHandler;
  /** Reads the fleet gauges from the database: before each scrape, and before each OTLP metrics export. */
  readonly refreshGauges: () => Promise<void>;
}

export function createApiObservability(
  observability: Observability,
  deps: {
    readonly readModel: Pick<WorkerReadModel, "fleetCounts">;
    readonly prices: Pick<PriceBookReader, "current">;
    readonly logger: Logger;
  },
): ApiObservability {
  const { metrics, tracer } = observability;
  const refreshGauges = createFleetGaugeRefresher({ metrics, ...deps });
  return {
    plugin: useGraphqlObservability({ metrics, tracer }),
    metricsHandler: createMetricsHandler({
      registry: metrics.registry,
      beforeScrape: refreshGauges,
      logger: deps.logger,
    }),
    refreshGauges,
  };
}
