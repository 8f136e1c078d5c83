import type { CallObserver } from "@cml-fleet/core/ports/call-observer.port";
import type { Tracer } from "@opentelemetry/api";
import { createFleetMetrics, type FleetMetrics } from "./fleet-metrics";
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
