import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextOfJob, jobTraceOptions } from "./job-trace-context";
import { startTracing, type Tracing } from "./tracing";

let tracing: Tracing;

beforeAll(() => {
  tracing = startTracing({
    serviceName: "carrier-test",
    exporter: new InMemorySpanExporter(),
    immediate: true,
  });
});
afterAll(async () => {
  await tracing.shutdown();
});

describe("the trace context a job carries", () => {
  it("is nothing outside a span: a job enqueued there starts a trace of its own", () => {
    expect(jobTraceOptions()).toEqual({});
  });

  it("round-trips the active span's ids through the job options as bullmq-otel's JSON carrier", () => {
    const span = tracing.tracer.startSpan("request");
    const options = jobTraceOptions(trace.setSpan(context.active(), span));
    span.end();
    const metadata = options.telemetry?.metadata ?? expect.unreachable("no metadata");
    const { traceId, spanId } = span.spanContext();
    expect(JSON.parse(metadata)).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    const parent = trace.getSpanContext(contextOfJob({ telemetry: { metadata } }));
    expect(parent).toMatchObject({ traceId, spanId, isRemote: true });
  });

  it("reads whatever Redis holds as untrusted: garbage gives a new trace, never an error", () => {
    const garbage: unknown[] = [
      undefined,
      42,
      "",
      "not json",
      "[1,2]",
      "null",
      JSON.stringify({ traceparent: 7 }),
      JSON.stringify({ traceparent: "00-zzzz-yyyy-01" }),
      JSON.stringify({ traceparent: `00-${"0".repeat(32)}-${"0".repeat(16)}-01` }),
      JSON.stringify({ traceparent: "x".repeat(10_000) }),
    ];
    for (const metadata of garbage) {
      expect(trace.getSpanContext(contextOfJob({ telemetry: { metadata } }))).toBeUndefined();
    }
    expect(trace.getSpanContext(contextOfJob(undefined))).toBeUndefined();
    expect(trace.getSpanContext(contextOfJob({}))).toBeUndefined();
  });
});
