import type { CallObserver, UpstreamCall } from "@cml-fleet/core/ports/call-observer.port";
import { context, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { FleetMetrics } from "./fleet-metrics";

export interface UpstreamCallObserverDeps {
  readonly metrics: Pick<FleetMetrics, "upstreamCalls" | "upstreamCallErrors" | "upstreamCallDuration">;
  readonly tracer: Tracer;
}

/**
 * Counts and times each AWS and CML call, and records it as a client span.
 * The adapter reports a call when it has ended, so the span is made after the
 * fact with its real start time; it is the child of whatever span is active
 * for the caller (a job, a GraphQL operation).
 */
export function createUpstreamCallObserver(deps: UpstreamCallObserverDeps): CallObserver {
  const { metrics, tracer } = deps;
  return {
    onCall(call: UpstreamCall) {
      const { upstream, operation, durationMs, error } = call;
      metrics.upstreamCalls.inc({ upstream, operation, outcome: error === undefined ? "ok" : "error" });
      if (error !== undefined) {
        metrics.upstreamCallErrors.inc({ upstream, operation, code: error.code });
      }
      metrics.upstreamCallDuration.observe({ upstream, operation }, durationMs / 1000);

      const endTime = Date.now();
      const span = tracer.startSpan(
        `${upstream} ${operation}`,
        {
          kind: SpanKind.CLIENT,
          startTime: endTime - durationMs,
          attributes: {
            "rpc.system": upstream === "cml" ? "http" : "aws-api",
            "rpc.service": upstream,
            "rpc.method": operation,
          },
        },
        context.active(),
      );
      if (error !== undefined) {
        span.setAttribute("error.type", error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
      }
      span.end(endTime);
    },
  };
}
