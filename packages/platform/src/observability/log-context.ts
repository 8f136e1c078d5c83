import { AsyncLocalStorage } from "node:async_hooks";
import { isSpanContextValid, trace } from "@opentelemetry/api";

type LogBindings = Readonly<Record<string, string | number>>;

const storage = new AsyncLocalStorage<LogBindings>();

/**
 * Runs `fn` with `bindings` (e.g. `{ jobId }`) added to every log line
 * written while it runs, by any logger, however deep: the services a job
 * calls log with the logger they were built with, not a per-job child.
 */
export function withLogContext<T>(bindings: LogBindings, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...bindings }, fn);
}

/** The part of a pino logger the mixin reads. */
interface BoundLogger {
  bindings(): Record<string, unknown>;
}

/**
 * pino `mixin`: the bindings of the current log context, less those the
 * logger already carries (pino would write a key twice), and the active
 * trace and span ids when tracing is on, so a log line leads to its trace.
 */
export function logContextMixin(_mergeObject: object, _level: number, logger: BoundLogger): object {
  const store = storage.getStore();
  const fields: Record<string, unknown> = {};
  if (store !== undefined) {
    const bound = logger.bindings();
    for (const [key, value] of Object.entries(store)) {
      if (!(key in bound)) {
        fields[key] = value;
      }
    }
  }
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext !== undefined && isSpanContextValid(spanContext)) {
    fields.trace_id = spanContext.traceId;
    fields.span_id = spanContext.spanId;
  }
  return fields;
}
