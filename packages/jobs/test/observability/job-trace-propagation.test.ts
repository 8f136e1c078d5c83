import { randomBytes, randomUUID } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import type { JobKind } from "@cml-fleet/core/domain/job";
import { createFleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import { startTracing, type Tracing } from "@cml-fleet/platform/observability/tracing";
import { createUpstreamCallObserver } from "@cml-fleet/platform/observability/upstream-call-observer";
import { createFleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { createRedisEventPublisher } from "@cml-fleet/platform/pubsub/redis-event-publisher";
import { type BullmqJobQueue, createBullmqJobQueue } from "@cml-fleet/platform/queue/bullmq-job-queue";
import { queueName, redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-node";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { capturingLogger } from "../../../platform/test/support/capturing-logger";
import { deleteKeys, TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { traceJobProcessor } from "../../src/observability/job-telemetry";

/**
 * The trace context a job carries through Redis: the fleet's real producer
 * (createBullmqJobQueue) and real BullMQ workers running the processors
 * under traceJobProcessor, spans kept in memory.
 */
const { logger, lines } = capturingLogger("info");
const keyPrefix = `t-jobtrace-${randomBytes(4).toString("hex")}`;
const prefixes = redisPrefixes(keyPrefix);
const exporter = new InMemorySpanExporter();
const metrics = createFleetMetrics();
let tracing: Tracing;
let redis: Redis;
let subscriber: Redis;
let producer: BullmqJobQueue;
const workers: Worker[] = [];

/** Stop jobs fail while their worker id is in here (attempts are counted down). */
const failuresLeft = new Map<string, number>();
/** Stop jobs for these worker ids wait until the test lets them finish. */
const held = new Set<string>();
const release = new Map<string, () => void>();

function spansNamed(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

function spanOfJob(jobId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.attributes["messaging.message.id"] === jobId);
}

function startWorker(kind: JobKind, process: (data: Record<string, unknown>) => Promise<void>): void {
  const deps = { metrics, tracer: tracing.tracer, logger };
  workers.push(
    new Worker(
      queueName(kind),
      traceJobProcessor(kind, async (job) => process(job.data as Record<string, unknown>), deps),
      { connection: redis, prefix: prefixes.bullmq, concurrency: 1 },
    ),
  );
}

beforeAll(async () => {
  tracing = startTracing({ serviceName: "jobs-trace-test", exporter, immediate: true });
  const observer = createUpstreamCallObserver({ metrics, tracer: tracing.tracer });
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  subscriber = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  producer = createBullmqJobQueue({
    redisUrl: TEST_REDIS_URL,
    prefix: prefixes.bullmq,
    retry: { attempts: 2, backoffMs: 10 },
    publisher: createRedisEventPublisher(
      createFleetPubSub({ publishClient: redis, subscribeClient: subscriber, keyPrefix: prefixes.keys }),
    ),
    logger,
  });
  startWorker("stop", async (data) => {
    const workerId = String(data.workerId);
    logger.info({ workerId }, "stopping");
    observer.onCall({ upstream: "ec2", operation: "StopInstances", durationMs: 2 });
    if (held.has(workerId)) {
      await new Promise<void>((resolve) => release.set(workerId, resolve));
    }
    const left = failuresLeft.get(workerId) ?? 0;
    if (left > 0) {
      failuresLeft.set(workerId, left - 1);
      throw new Error("the instance would not stop");
    }
  });
  // A sweep that fans out a stop job, as the idle check does for an idle worker.
  startWorker("idle-check", async () => {
    await producer.enqueue("stop", {
      workerId: "fanned-out",
      actor: userActor("u-1", "idle"),
      reason: "idle",
    });
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
});

afterAll(async () => {
  await Promise.allSettled(workers.map((worker) => worker.close()));
  await producer?.close();
  await deleteKeys(redis, keyPrefix);
  await Promise.allSettled([redis?.quit(), subscriber?.quit()]);
  await tracing?.shutdown();
});

describe("trace context carried by a queued job", () => {
  it("makes every attempt of a job, and a re-driven retry, a child of the span that enqueued it", {
    timeout: 60_000,
  }, async () => {
    const workerId = randomUUID();
    // Both attempts fail; the job then fails for good, and is retried by hand.
    failuresLeft.set(workerId, 2);
    const { job, requestContext } = await tracing.tracer.startActiveSpan(
      "graphql.mutation StopWorker",
      async (span) => {
        try {
          const enqueued = await producer.enqueue("stop", {
            workerId,
            actor: userActor("u-1", "alice"),
            reason: null,
          });
          return { job: enqueued, requestContext: span.spanContext() };
        } finally {
          span.end();
        }
      },
    );

    await vi.waitFor(async () => expect((await producer.get(job.id))?.state).toBe("FAILED"), {
      timeout: 30_000,
      interval: 50,
    });
    // The retry comes from another request: the job keeps the trace it was made in, the retry's span links to it.
    const retryContext = await tracing.tracer.startActiveSpan("graphql.mutation RetryJob", async (span) => {
      try {
        await producer.retry(job.id);
        return span.spanContext();
      } finally {
        span.end();
      }
    });
    await vi.waitFor(async () => expect((await producer.get(job.id))?.state).toBe("COMPLETED"), {
      timeout: 30_000,
      interval: 50,
    });

    const retrySpan = spansNamed("graphql.mutation RetryJob")[0];
    expect(retrySpan?.spanContext().traceId).toBe(retryContext.traceId);
    expect(retrySpan?.links.map((link) => link.context.spanId)).toEqual([requestContext.spanId]);

    const attempts = spanOfJob(job.id);
    expect(attempts.map((span) => span.attributes["cml_fleet.job.attempt"])).toEqual([1, 2, 1]);
    for (const attempt of attempts) {
      expect(attempt.spanContext().traceId).toBe(requestContext.traceId);
      expect(attempt.parentSpanContext?.spanId).toBe(requestContext.spanId);
    }
    // Each attempt's AWS call is its child, in the same trace.
    const calls = spansNamed("ec2 StopInstances").filter(
      (span) => span.spanContext().traceId === requestContext.traceId,
    );
    expect(calls.map((span) => span.parentSpanContext?.spanId).sort()).toEqual(
      attempts.map((span) => span.spanContext().spanId).sort(),
    );
    // And what the job logs carries the request's trace id and its attempt's span id.
    const logged = lines.filter((line) => line.jobId === job.id && line.msg === "stopping");
    expect(logged.map((line) => line.trace_id)).toEqual(attempts.map(() => requestContext.traceId));
    expect(logged.map((line) => line.span_id)).toEqual(attempts.map((span) => span.spanContext().spanId));
  });

  it("links the span of a request that joins a job already running to that job's trace", {
    timeout: 60_000,
  }, async () => {
    const workerId = randomUUID();
    held.add(workerId);
    const enqueueIn = (name: string) =>
      tracing.tracer.startActiveSpan(name, async (span) => {
        try {
          const job = await producer.enqueue("stop", {
            workerId,
            actor: userActor("u-1", "alice"),
            reason: null,
          });
          return { job, context: span.spanContext() };
        } finally {
          span.end();
        }
      });
    const first = await enqueueIn("graphql.mutation StopFirst");
    await vi.waitFor(() => expect(release.has(workerId)).toBe(true), { timeout: 30_000, interval: 20 });
    const second = await enqueueIn("graphql.mutation StopAgain");
    release.get(workerId)?.();
    expect(second.job.id).toBe(first.job.id);
    await vi.waitFor(async () => expect((await producer.get(first.job.id))?.state).toBe("COMPLETED"), {
      timeout: 30_000,
      interval: 50,
    });

    const again = spansNamed("graphql.mutation StopAgain")[0];
    expect(again?.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId: first.context.traceId, spanId: first.context.spanId }),
    ]);
    // The job itself stays in the first request's trace.
    expect(spanOfJob(first.job.id).map((span) => span.parentSpanContext?.spanId)).toEqual([
      first.context.spanId,
    ]);
  });

  it("starts a trace for a sweep enqueued outside any span, and makes the jobs it fans out its children", {
    timeout: 60_000,
  }, async () => {
    const sweep = await producer.enqueue("idle-check", {});
    await vi.waitFor(() => expect(spanOfJob("stop.fanned-out").length + spanOfJob(sweep.id).length).toBe(2), {
      timeout: 30_000,
      interval: 50,
    });
    const [sweepSpan] = spanOfJob(sweep.id);
    const [stopSpan] = spanOfJob("stop.fanned-out");
    expect(sweepSpan?.parentSpanContext).toBeUndefined();
    const others = exporter
      .getFinishedSpans()
      .filter((span) => span !== sweepSpan && span !== stopSpan && span.name !== "ec2 StopInstances");
    expect(others.map((span) => span.spanContext().traceId)).not.toContain(sweepSpan?.spanContext().traceId);
    expect(stopSpan?.spanContext().traceId).toBe(sweepSpan?.spanContext().traceId);
    expect(stopSpan?.parentSpanContext?.spanId).toBe(sweepSpan?.spanContext().spanId);
  });
});
