import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Registry } from "prom-client";
import { createPrometheusMetricProducer } from "./prometheus-metric-producer";
import type { OtelSettings } from "./tracing";

/** The standard OpenTelemetry variables that decide whether, where and how often metrics go. */
export interface OtelMetricsEnvironment {
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?: string | undefined;
  readonly OTEL_METRICS_EXPORTER?: string | undefined;
  readonly OTEL_SDK_DISABLED?: string | undefined;
  readonly OTEL_METRIC_EXPORT_INTERVAL?: string | undefined;
  readonly OTEL_METRIC_EXPORT_TIMEOUT?: string | undefined;
}

/** The specification's defaults: export every minute, give up on one after 30 s. */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
export const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;

/**
 * The OTLP/HTTP metrics URL the environment asks for, or null when metrics
 * export is off: no endpoint, `OTEL_SDK_DISABLED=true` or
 * `OTEL_METRICS_EXPORTER=none`. A metrics endpoint is used as given; the
 * general one gets `/v1/metrics`, as the specification says.
 */
export function otlpMetricsUrl(env: OtelMetricsEnvironment): string | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") {
    return null;
  }
  if (env.OTEL_METRICS_EXPORTER?.trim().toLowerCase() === "none") {
    return null;
  }
  const metrics = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim();
  if (metrics !== undefined && metrics !== "") {
    return metrics;
  }
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base !== undefined && base !== "") {
    return `${base.replace(/\/+$/, "")}/v1/metrics`;
  }
  return null;
}

/**
 * Milliseconds from a variable: a positive whole number, or the default when
 * unset or anything else (the specification asks SDKs to ignore an invalid
 * value rather than fail).
 */
export function millisecondsOr(value: string | undefined, fallback: number): number {
  const text = value?.trim() ?? "";
  if (!/^\d{1,10}$/.test(text)) {
    return fallback;
  }
  const parsed = Number(text);
  return parsed > 0 ? parsed : fallback;
}

export interface MetricsExportOptions {
  readonly serviceName: string;
  /** The registry /metrics renders; its snapshot is what each export sends. */
  readonly registry: Registry;
  /** Where the metrics go; null leaves export off. */
  readonly exporter: PushMetricExporter | null;
  readonly intervalMs?: number | undefined;
  readonly timeoutMs?: number | undefined;
  /** Runs before each export, as before a scrape (the fleet gauges read the database). */
  readonly beforeCollect?: (() => Promise<void>) | undefined;
}

export interface MetricsExport {
  readonly enabled: boolean;
  /** Exports what the registry holds now (and on shutdown); for a clean stop. */
  flush(): Promise<void>;
  /** Exports a last time and stops. */
  shutdown(): Promise<void>;
}

const OFF: MetricsExport = { enabled: false, flush: async () => {}, shutdown: async () => {} };

/**
 * Pushes the prom-client registry over OTLP every interval: a MeterProvider
 * whose periodic reader collects from a producer that converts the registry's
 * snapshot, so the names, labels and histogram buckets are those of /metrics.
 * The provider is private to this export (not the global one): the fleet's
 * instruments are prom-client's, and nothing else records into it.
 */
export function startMetricsExport(options: MetricsExportOptions): MetricsExport {
  if (options.exporter === null) {
    return OFF;
  }
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName });
  const intervalMs = options.intervalMs ?? DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const reader = new PeriodicExportingMetricReader({
    exporter: options.exporter,
    exportIntervalMillis: intervalMs,
    // The reader refuses a timeout longer than the interval.
    exportTimeoutMillis: Math.min(options.timeoutMs ?? DEFAULT_METRIC_EXPORT_TIMEOUT_MS, intervalMs),
    metricProducers: [
      createPrometheusMetricProducer({
        registry: options.registry,
        resource,
        beforeCollect: options.beforeCollect,
      }),
    ],
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Metrics export as the standard variables and the settings configure it:
 * OTLP/HTTP (JSON) to the endpoint they name (headers, timeout and
 * compression are read by the exporter from the same variables), every
 * OTEL_METRIC_EXPORT_INTERVAL ms; when the environment names no endpoint,
 * the configuration file's `otel_exporter_otlp_endpoint`, as for traces.
 */
export function startMetricsExportFromSettings(
  env: OtelMetricsEnvironment,
  otel: OtelSettings,
  metrics: Pick<MetricsExportOptions, "registry" | "beforeCollect">,
): MetricsExport {
  const fromEnvironment = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const endpoint =
    fromEnvironment !== undefined && fromEnvironment !== "" ? fromEnvironment : (otel.endpoint ?? undefined);
  const url = otlpMetricsUrl({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  return startMetricsExport({
    ...metrics,
    serviceName: otel.serviceName,
    exporter: url === null ? null : new OTLPMetricExporter({ url }),
    intervalMs: millisecondsOr(env.OTEL_METRIC_EXPORT_INTERVAL, DEFAULT_METRIC_EXPORT_INTERVAL_MS),
    timeoutMs: millisecondsOr(env.OTEL_METRIC_EXPORT_TIMEOUT, DEFAULT_METRIC_EXPORT_TIMEOUT_MS),
  });
}
