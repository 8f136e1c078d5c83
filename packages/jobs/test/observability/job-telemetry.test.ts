import { randomBytes } from "node:crypto";
import { createFleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import {
  createMetricsHandler,
  type RunningMetricsServer,
  startMetricsServer,
} from "@cml-fleet/platform/observability/metrics-handler";
import { startTracing, type Tracing } from "@cml-fleet/platform/observability/tracing";
import { createUpstreamCallObserver } from "@cml-fleet/platform/observability/upstream-call-observer";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-node";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { capturingLogger } from "../../../platform/test/support/capturing-logger";
import { TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { observeJobWorker, traceJobProcessor } from "../../src/observability/job-telemetry";

const QUEUE = "obs-test";

const { logger, lines: logLines } = capturingLogger();

const prefix = `t-obs-${randomBytes(4).toString("hex")}`;
const metrics = createFleetMetrics();
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let connection: Redis;
let queue: Queue;
let worker: Worker;
let metricsServer: RunningMetricsServer;

async function scrape(): Promise<string> {
  const response = await fetch(metricsServer.url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return response.text();
}

beforeAll(async () => {
  tracing = startTracing({ serviceName: "jobs-test", exporter, immediate: true });
  const observer = createUpstreamCallObserver({ metrics, tracer: tracing.tracer });
  const deps = { metrics, tracer: tracing.tracer, logger };
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(QUEUE, { connection, prefix });
  worker = new Worker<{ fail: boolean }, string>(
    QUEUE,
    traceJobProcessor(
      QUEUE,
      async (job) => {
        // A service logging with the process logger, not a per-job child: the job id still shows.
        logger.info({ step: "describe" }, "doing the work");
        observer.onCall({ upstream: "ec2", operation: "DescribeInstances", durationMs: 3 });
        if (job.data.fail) {
          throw new Error("the work failed");
        }
        return "done";
      },
      deps,
    ),
    { connection, prefix, concurrency: 1 },
  );
  observeJobWorker(worker, QUEUE, deps);
  await worker.waitUntilReady();
  metricsServer = await startMetricsServer(createMetricsHandler({ registry: metrics.registry, logger }), {
    port: 0,
  });
});

afterAll(async () => {
  await worker?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  await connection?.quit();
  await metricsServer?.close();
  await tracing?.shutdown();
});

describe("job telemetry on a real BullMQ worker", () => {
  it("shows a job's run in /metrics, in the logs and as a trace", async () => {
    const ok = await queue.add("fine", { fail: false });
    const bad = await queue.add(
      "broken",
      { fail: true },
      { attempts: 2, backoff: { type: "fixed", delay: 10 } },
    );

    const text = await vi.waitFor(
      async () => {
        const body = await scrape();
        expect(body).toContain(`cml_fleet_jobs_total{queue="${QUEUE}",outcome="failed"} 1`);
        expect(body).toContain(`cml_fleet_jobs_total{queue="${QUEUE}",outcome="completed"} 1`);
        return body;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(text).toContain(`cml_fleet_jobs_total{queue="${QUEUE}",outcome="retried"} 1`);
    expect(text).toContain(`cml_fleet_job_duration_seconds_count{queue="${QUEUE}",outcome="completed"} 1`);
    expect(text).toContain(`cml_fleet_job_duration_seconds_count{queue="${QUEUE}",outcome="failed"} 1`);
    expect(text).toContain(
      'cml_fleet_upstream_calls_total{upstream="ec2",operation="DescribeInstances",outcome="ok"} 3',
    );

    // Logs: the completed job's run, every line carrying its id (the service's line through the log context).
    const okLines = logLines.filter((line) => line.jobId === ok.id);
    expect(okLines.map((line) => line.msg)).toEqual(["job started", "doing the work", "job finished"]);
    expect(okLines.at(-1)).toMatchObject({ queue: QUEUE, outcome: "ok", attempt: 1 });
    const badEnds = logLines.filter((line) => line.jobId === bad.id && line.msg === "job finished");
    expect(badEnds.map((line) => [line.attempt, line.outcome])).toEqual([
      [1, "error"],
      [2, "error"],
    ]);
    // With tracing on, each line leads to its trace.
    expect(okLines.every((line) => typeof line.trace_id === "string" && line.trace_id.length === 32)).toBe(
      true,
    );

    // Traces: a span per attempt, and the AWS call made during it is its child.
    const spans = exporter.getFinishedSpans();
    const jobSpans = spans.filter((span) => span.name === `job ${QUEUE}`);
    expect(jobSpans).toHaveLength(3);
    const okSpan = jobSpans.find((span) => span.attributes["messaging.message.id"] === ok.id);
    expect(okSpan?.attributes).toMatchObject({ "cml_fleet.job.name": "fine", "cml_fleet.job.attempt": 1 });
    const calls = spans.filter((span) => span.name === "ec2 DescribeInstances");
    expect(calls).toHaveLength(3);
    expect(calls.map((span) => span.parentSpanContext?.spanId).sort()).toEqual(
      jobSpans.map((span) => span.spanContext().spanId).sort(),
    );
    const failedSpans = jobSpans.filter((span) => span.attributes["messaging.message.id"] === bad.id);
    expect(failedSpans.map((span) => span.status.message)).toEqual(["the work failed", "the work failed"]);
  });
});
