import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createFleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import {
  startTracing,
  startTracingFromEnvironment,
  type Tracing,
} from "@cml-fleet/platform/observability/tracing";
import { createUpstreamCallObserver } from "@cml-fleet/platform/observability/upstream-call-observer";
import { SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-node";
import { afterEach, describe, expect, it } from "vitest";
import { capturingLogger, type LogLine } from "../../../platform/test/support/capturing-logger";
import { type ObservedYoga, startObservedYoga } from "./support/observed-yoga";

interface TracedLine extends LogLine {
  readonly trace_id?: string;
  readonly span_id?: string;
}

let tracing: Tracing | null = null;
let server: ObservedYoga | null = null;

async function serveWith(activeTracing: Tracing) {
  tracing = activeTracing;
  const { lines, logger } = capturingLogger<TracedLine>();
  const metrics = createFleetMetrics();
  server = await startObservedYoga({
    metrics,
    tracer: activeTracing.tracer,
    logger,
    observer: createUpstreamCallObserver({ metrics, tracer: activeTracing.tracer }),
  });
  return { lines, yoga: server };
}

afterEach(async () => {
  await server?.close();
  await tracing?.shutdown();
  server = null;
  tracing = null;
});

describe("tracing", () => {
  it("is a no-op when no OTLP endpoint is set: nothing registered, spans not recorded", async () => {
    const off = startTracingFromEnvironment({}, "cml-fleet-test");
    expect(off.enabled).toBe(false);
    const span = off.tracer.startSpan("anything");
    expect(span.isRecording()).toBe(false);
    span.end();

    const { lines, yoga } = await serveWith(off);
    expect((await yoga.graphql({ query: "query Hello { hello }" })).body).toEqual({
      data: { hello: "world" },
    });
    const logged = lines.find((line) => line.msg === "graphql operation");
    expect(logged).toBeDefined();
    expect(logged?.trace_id).toBeUndefined();
  });

  it("records a span per GraphQL operation, with the AWS call it made as a child, when enabled", async () => {
    const exporter = new InMemorySpanExporter();
    const { lines, yoga } = await serveWith(
      startTracing({ serviceName: "cml-fleet-test", exporter, immediate: true }),
    );

    await yoga.graphql({ query: "query Hello { hello }" });
    await yoga.graphql({ query: "query Missing { missing }" });

    const spans = exporter.getFinishedSpans();
    const hello = spans.find((span) => span.name === "graphql.query Hello");
    expect(hello?.attributes).toMatchObject({
      "graphql.operation.type": "query",
      "graphql.operation.name": "Hello",
      "cml_fleet.request_id": "req-1",
    });
    expect(hello?.resource.attributes["service.name"]).toBe("cml-fleet-test");
    const call = spans.find((span) => span.name === "ec2 DescribeInstances");
    expect(call?.parentSpanContext?.spanId).toBe(hello?.spanContext().spanId);
    expect(call?.spanContext().traceId).toBe(hello?.spanContext().traceId);
    expect(call?.attributes).toMatchObject({ "rpc.system": "aws-api", "rpc.method": "DescribeInstances" });

    const missing = spans.find((span) => span.name === "graphql.query Missing");
    expect(missing?.status).toEqual({ code: SpanStatusCode.ERROR, message: "NOT_FOUND" });

    // The operation's log line leads to its trace.
    const logged = lines.find((line) => line.msg === "graphql operation" && line.operationName === "Missing");
    expect(logged?.trace_id).toBe(missing?.spanContext().traceId);
  });

  it("continues the trace of a caller that sends a traceparent header", async () => {
    const exporter = new InMemorySpanExporter();
    const { yoga } = await serveWith(
      startTracing({ serviceName: "cml-fleet-test", exporter, immediate: true }),
    );
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentId = "00f067aa0ba902b7";

    await yoga.graphql({ query: "query Hello { hello }" }, { traceparent: `00-${traceId}-${parentId}-01` });

    const hello = exporter.getFinishedSpans().find((span) => span.name === "graphql.query Hello");
    expect(hello?.spanContext().traceId).toBe(traceId);
    expect(hello?.parentSpanContext?.spanId).toBe(parentId);
  });

  it("exports over OTLP/HTTP to the endpoint the standard variables name", async () => {
    const received: { path: string; body: string }[] = [];
    const collector: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const on = startTracingFromEnvironment(
        { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
        "cml-fleet-otlp-test",
      );
      expect(on.enabled).toBe(true);
      on.tracer.startSpan("a span to export").end();
      // Shutting down flushes the batch.
      await on.shutdown();

      expect(received.map((request) => request.path)).toEqual(["/v1/traces"]);
      expect(received[0]?.body).toContain("a span to export");
      expect(received[0]?.body).toContain("cml-fleet-otlp-test");
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });
});
