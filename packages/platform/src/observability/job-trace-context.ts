import { type Context, context, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";

/**
 * W3C trace context carried by a queued job, so that the span of the job is a
 * child of the span that enqueued it (one trace from a GraphQL request to the
 * AWS and CML calls of the job it caused).
 *
 * It travels in BullMQ's own job option for this, `opts.telemetry.metadata`
 * (stored with the job as `tm`), in the format `bullmq-otel` uses there: the
 * propagator's carrier as JSON (`{"traceparent":"00-…"}`). It is not in the
 * job's data, so a retry that replaces the payload keeps it, and it holds
 * nothing but the trace and span ids (and `tracestate` when a caller sent one).
 */
export interface JobTraceOptions {
  readonly telemetry?: { readonly metadata: string };
}

/** The largest metadata read back; a real carrier is about 60 characters. */
const MAX_METADATA_LENGTH = 4_096;

/**
 * The job options that carry the active span's context, or none when no span
 * is active or tracing is off (the no-op propagator injects nothing).
 */
export function jobTraceOptions(active: Context = context.active()): JobTraceOptions {
  if (trace.getSpan(active) === undefined) {
    return {};
  }
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  return carrier.traceparent === undefined ? {} : { telemetry: { metadata: JSON.stringify(carrier) } };
}

/**
 * The context a job's span starts under: the enqueuing span's, from the job's
 * options, or the root context (a new trace) when the job carries none or
 * something that is not a carrier (the job is stored in Redis: read it as
 * untrusted, never throw for it).
 */
export function contextOfJob(
  opts: { readonly telemetry?: { readonly metadata?: unknown } } | undefined,
): Context {
  const metadata = opts?.telemetry?.metadata;
  if (typeof metadata !== "string" || metadata.length > MAX_METADATA_LENGTH) {
    return ROOT_CONTEXT;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata);
  } catch {
    return ROOT_CONTEXT;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return ROOT_CONTEXT;
  }
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === "string") {
      carrier[key] = value;
    }
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * Links the active span (a request that joined a job already queued, or a
 * `retryJob` that re-drives one) to the trace the job belongs to: the job
 * keeps its parent, and the request's trace still leads to it.
 */
export function linkActiveSpanToJob(
  opts: { readonly telemetry?: { readonly metadata?: unknown } } | undefined,
  active: Context = context.active(),
): void {
  const span = trace.getSpan(active);
  const job = trace.getSpanContext(contextOfJob(opts));
  if (span !== undefined && job !== undefined) {
    span.addLink({ context: job, attributes: { "cml_fleet.link": "job" } });
  }
}
