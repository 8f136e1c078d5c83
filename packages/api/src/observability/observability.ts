import type { PriceTable } from "@cml-fleet/core/domain/cost";
import type { CallObserver } from "@cml-fleet/core/ports/call-observer.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type { Tracer } from "@opentelemetry/api";
import type { Plugin } from "graphql-yoga";
import { createFleetGaugeRefresher } from "./fleet-gauges";
import { createFleetMetrics, type FleetMetrics } from "./fleet-metrics";
import { useGraphqlObservability } from "./graphql-observability.plugin";
import { createMetricsHandler, type MetricsHandler } from "./metrics-handler";
import { createUpstreamCallObserver } from "./upstream-call-observer";

/**
 * What a process measures with: one metrics registry and one tracer, built
 * once by its composition root and handed to the API, the job workers and
 * the adapters (the all-in-one process shares them, so one /metrics shows all).
 */
export interface Observability {
  readonly metrics: FleetMetrics;
  readonly tracer: Tracer;
  /** For the AWS and CML adapters' `observer` option. */
  readonly callObserver: CallObserver;
}

export function createObservability(options: {
  readonly tracer: Tracer;
  readonly processMetrics?: boolean | undefined;
}): Observability {
  const metrics = createFleetMetrics({ processMetrics: options.processMetrics });
  return {
    metrics,
    tracer: options.tracer,
    callObserver: createUpstreamCallObserver({ metrics, tracer: options.tracer }),
  };
}

/** What the API's HTTP server adds: the GraphQL plugin and the /metrics handler. */
export interface ApiObservability {
  readonly plugin: Plugin;
  readonly metricsHandler: MetricsHandler;
}

export function createApiObservability(
  observability: Observability,
  deps: {
    readonly readModel: Pick<WorkerReadModel, "fleetCounts">;
    readonly prices: PriceTable;
    readonly logger: Logger;
  },
): ApiObservability {
  const { metrics, tracer } = observability;
  return {
    plugin: useGraphqlObservability({ metrics, tracer }),
    metricsHandler: createMetricsHandler({
      registry: metrics.registry,
      beforeScrape: createFleetGaugeRefresher({ metrics, ...deps }),
      logger: deps.logger,
    }),
  };
}
