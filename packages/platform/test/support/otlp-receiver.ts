import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A span as OTLP/JSON carries it (ids in hex), with its service's name. */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/** One data point of a received metric: a number, or a histogram's buckets. */
export interface ReceivedPoint {
  readonly attributes: Record<string, unknown>;
  readonly value?: number | undefined;
  readonly count?: number | undefined;
  readonly explicitBounds?: readonly number[] | undefined;
  readonly bucketCounts?: readonly number[] | undefined;
}

export interface ReceivedMetric {
  readonly service: string;
  readonly name: string;
  /** "sum", "gauge" or "histogram": the OTLP data field the metric came in. */
  readonly kind: string;
  readonly isMonotonic?: boolean | undefined;
  readonly points: readonly ReceivedPoint[];
}

export interface OtlpReceiver {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  /** Request bodies it could not read (a test shows them when it fails). */
  readonly rejected: string[];
  close(): Promise<void>;
}

interface OtlpKeyValue {
  readonly key: string;
  readonly value: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function array(value: unknown): Json[] {
  return Array.isArray(value)
    ? value.filter((item): item is Json => typeof item === "object" && item !== null)
    : [];
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** OTLP/JSON numbers: int64 may come as strings. */
function numeric(value: unknown): number | undefined {
  if (typeof value === "number") {
    return value;
  }
  return typeof value === "string" && value !== "" ? Number(value) : undefined;
}

function attributesOf(list: unknown): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const entry of array(list) as unknown as OtlpKeyValue[]) {
    const value = entry.value ?? {};
    attributes[entry.key] =
      value.stringValue ?? numeric(value.intValue) ?? value.doubleValue ?? value.boolValue ?? value;
  }
  return attributes;
}

function serviceOf(resourceEntry: Json): string {
  const resource = resourceEntry.resource;
  const attributes = attributesOf(
    typeof resource === "object" && resource !== null ? (resource as Json).attributes : [],
  );
  return String(attributes["service.name"] ?? "");
}

function pointsOf(data: Json): ReceivedPoint[] {
  return array(data.dataPoints).map((point) => ({
    attributes: attributesOf(point.attributes),
    value: numeric(point.asDouble) ?? numeric(point.asInt),
    count: numeric(point.count),
    explicitBounds: Array.isArray(point.explicitBounds) ? point.explicitBounds.map(Number) : undefined,
    bucketCounts: Array.isArray(point.bucketCounts) ? point.bucketCounts.map(Number) : undefined,
  }));
}

function readTraces(body: Json, into: ReceivedSpan[]): void {
  for (const resourceSpans of array(body.resourceSpans)) {
    const service = serviceOf(resourceSpans);
    for (const scope of array(resourceSpans.scopeSpans)) {
      for (const span of array(scope.spans)) {
        into.push({
          service,
          traceId: text(span.traceId),
          spanId: text(span.spanId),
          parentSpanId: text(span.parentSpanId),
          name: text(span.name),
          attributes: attributesOf(span.attributes),
        });
      }
    }
  }
}

function readMetrics(body: Json, into: ReceivedMetric[]): void {
  for (const resourceMetrics of array(body.resourceMetrics)) {
    const service = serviceOf(resourceMetrics);
    for (const scope of array(resourceMetrics.scopeMetrics)) {
      for (const metric of array(scope.metrics)) {
        for (const kind of ["sum", "gauge", "histogram"]) {
          const data = metric[kind];
          if (typeof data === "object" && data !== null) {
            const fields = data as Json;
            into.push({
              service,
              name: text(metric.name),
              kind,
              isMonotonic: typeof fields.isMonotonic === "boolean" ? fields.isMonotonic : undefined,
              points: pointsOf(fields),
            });
          }
        }
      }
    }
  }
}

/**
 * An OTLP/HTTP collector in the test process: it takes the JSON the
 * `@opentelemetry/exporter-*-otlp-http` exporters send to /v1/traces and
 * /v1/metrics and keeps the spans and metrics, flattened, for assertions.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      try {
        const body = JSON.parse(raw) as Json;
        if (request.url === "/v1/traces") {
          readTraces(body, spans);
        } else if (request.url === "/v1/metrics") {
          readMetrics(body, metrics);
        } else {
          rejected.push(`${request.url ?? ""}: ${raw.slice(0, 200)}`);
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch {
        rejected.push(
          `${request.url ?? ""} (${request.headers["content-type"] ?? ""}): ${raw.slice(0, 200)}`,
        );
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
