import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type { PriceBookReader } from "@cml-fleet/core/services/price-book-reader";
import { createFleetGaugeRefresher } from "@cml-fleet/platform/observability/fleet-gauges";
import { createMetricsHandler, type MetricsHandler } from "@cml-fleet/platform/observability/metrics-handler";
import type { Observability } from "@cml-fleet/platform/observability/observability";
import {
  createQueueGaugeRefresher,
  createQueueGauges,
  type QueueSnapshotSource,
} from "@cml-fleet/platform/observability/queue-gauges";
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
    /** Where the queue gauges read BullMQ's queues and the job processes' heartbeats. */
    readonly queues: QueueSnapshotSource;
  },
): ApiObservability {
  const { metrics, tracer } = observability;
  // The fleet-wide gauges: workers and cost from Postgres, queues and job processes from Redis.
  const refreshFleet = createFleetGaugeRefresher({ metrics, ...deps });
  const refreshQueues = createQueueGaugeRefresher({
    ...deps.queues,
    gauges: createQueueGauges(metrics.registry),
    logger: deps.logger,
  });
  const refreshGauges = async () => {
    await Promise.all([refreshFleet(), refreshQueues()]);
  };
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
