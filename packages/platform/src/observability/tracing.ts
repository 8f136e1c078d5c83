import { context, propagation, type Tracer, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

/** The instrumentation scope of every span the fleet makes. */
export const TRACER_NAME = "cml-fleet";

/** The standard OpenTelemetry variables that decide whether and where traces go. */
export interface OtelEnvironment {
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  readonly OTEL_TRACES_EXPORTER?: string | undefined;
  readonly OTEL_SDK_DISABLED?: string | undefined;
}

/**
 * The OTLP/HTTP traces URL the environment asks for, or null when tracing is
 * off: no endpoint set, `OTEL_SDK_DISABLED=true`, or `OTEL_TRACES_EXPORTER=none`.
 * A traces endpoint is used as given; the general one gets `/v1/traces`, as the
 * specification says.
 */
export function otlpTracesUrl(env: OtelEnvironment): string | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") {
    return null;
  }
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none") {
    return null;
  }
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces !== undefined && traces !== "") {
    return traces;
  }
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base !== undefined && base !== "") {
    return `${base.replace(/\/+$/, "")}/v1/traces`;
  }
  return null;
}

export interface TracingOptions {
  readonly serviceName: string;
  /** Where finished spans go; null leaves tracing off (no provider, every span a no-op). */
  readonly exporter: SpanExporter | null;
  /** Export each span as it ends instead of in batches (tests). */
  readonly immediate?: boolean | undefined;
}

export interface Tracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Flushes what is buffered and unregisters the provider. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider for the process (with the async-hooks context
 * manager, so a job's or an operation's span is the parent of the calls made
 * under it). Off, it registers nothing: the API's tracer is then a no-op.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (options.exporter === null) {
    return { enabled: false, tracer: trace.getTracer(TRACER_NAME), shutdown: async () => {} };
  }
  const processor =
    options.immediate === true
      ? new SimpleSpanProcessor(options.exporter)
      : new BatchSpanProcessor(options.exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  return {
    enabled: true,
    tracer: trace.getTracer(TRACER_NAME),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * Tracing as the standard variables configure it: OTLP over HTTP to the
 * endpoint they name (headers, timeout and compression are read by the
 * exporter from the same variables), or off when they name none.
 */
export function startTracingFromEnvironment(env: OtelEnvironment, serviceName: string): Tracing {
  const url = otlpTracesUrl(env);
  return startTracing({ serviceName, exporter: url === null ? null : new OTLPTraceExporter({ url }) });
}

/** The OpenTelemetry part of the settings (environment or the CML_FLEET_CONFIG file). */
export interface OtelSettings {
  readonly endpoint: string | null;
  readonly serviceName: string;
}

/**
 * Tracing as the environment and the settings configure it: the standard
 * variables as they are, and when the environment names no endpoint, the
 * `otel_exporter_otlp_endpoint` of the configuration file (so the file's
 * setting works like the variable; the environment wins, as for every setting).
 */
export function startTracingFromSettings(env: OtelEnvironment, otel: OtelSettings): Tracing {
  const fromEnvironment = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const endpoint =
    fromEnvironment !== undefined && fromEnvironment !== "" ? fromEnvironment : (otel.endpoint ?? undefined);
  return startTracingFromEnvironment({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, otel.serviceName);
}
