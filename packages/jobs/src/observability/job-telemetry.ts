import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { FleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import { contextOfJob } from "@cml-fleet/platform/observability/job-trace-context";
import { withLogContext } from "@cml-fleet/platform/observability/log-context";
import {
  firstAttemptWaitSeconds,
  type QueueWaitTimes,
} from "@cml-fleet/platform/observability/queue-wait-times";
import { context, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { DelayedError, type Job, type Worker } from "bullmq";

export interface JobTelemetryDeps {
  readonly metrics: Pick<FleetMetrics, "jobs" | "jobDuration" | "jobsStalled"> &
    Partial<Pick<FleetMetrics, "scheduleLateStarts" | "watchSchedules" | "sweepShardDuration">>;
  readonly tracer: Tracer;
  readonly logger: Logger;
  /** Where the wait of each job taken is observed (cml_fleet_job_wait_seconds); not observed when unset. */
  readonly waitTimes?: QueueWaitTimes | undefined;
}

/** BullMQ's processor signature. */
export type JobProcessor<Data, Result> = (
  job: Job<Data, Result>,
  token?: string,
  signal?: AbortSignal,
) => Promise<Result>;

/** How a finished attempt is counted: BullMQ's own verdict, read from the job. */
export type JobOutcome = "completed" | "failed" | "retried" | "deferred";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs each attempt of a job inside a span (`job <queue>`) and a log context
 * carrying its id: every line logged while it runs, by any service, has
 * `jobId` (and the span's `trace_id` and `span_id`), and the AWS and CML
 * calls it makes are children of its span. The span is a child of the span
 * that enqueued the job (the trace context the producer stored with it), so
 * a request and the job it caused are one trace, every attempt and a retry
 * included; a job enqueued outside any span (a scheduled sweep) starts a
 * trace of its own. The attempt's start and end are logged too.
 */
export function traceJobProcessor<Data, Result>(
  queue: string,
  processor: JobProcessor<Data, Result>,
  deps: JobTelemetryDeps,
): JobProcessor<Data, Result> {
  return (job, token, signal) => {
    const jobId = job.id ?? "";
    const attempt = job.attemptsMade + 1;
    const logger = deps.logger.child({ queue, jobId, attempt });
    const span = deps.tracer.startSpan(
      `job ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "bullmq",
          "messaging.operation.type": "process",
          "messaging.destination.name": queue,
          "messaging.message.id": jobId,
          "cml_fleet.job.name": job.name,
          "cml_fleet.job.attempt": attempt,
        },
      },
      contextOfJob(job.opts),
    );
    const spanContext = trace.setSpan(context.active(), span);
    return withLogContext({ jobId }, () =>
      context.with(spanContext, async () => {
        const started = performance.now();
        const elapsed = () => Math.round(performance.now() - started);
        logger.info({ name: job.name }, "job started");
        try {
          const result = await processor(job, token, signal);
          logger.info({ durationMs: elapsed(), outcome: "ok" }, "job finished");
          return result;
        } catch (error) {
          if (error instanceof DelayedError) {
            // Put back for later without spending an attempt (its worker was busy): not a failure.
            span.setAttribute("cml_fleet.job.deferred", true);
            logger.debug({ durationMs: elapsed() }, "job deferred");
          } else {
            span.recordException(error instanceof Error ? error : new Error(messageOf(error)));
            span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
            logger.info({ durationMs: elapsed(), outcome: "error", error: messageOf(error) }, "job finished");
          }
          throw error;
        } finally {
          span.end();
        }
      }),
    );
  };
}

/** `failed` fires for every failed attempt; a job with attempts left has no `finishedOn` yet. */
export function failedOutcome(job: Pick<Job, "finishedOn">, error: unknown): JobOutcome {
  if (error instanceof DelayedError) {
    return "deferred";
  }
  return job.finishedOn === undefined ? "retried" : "failed";
}

/**
 * Counts and times every attempt a BullMQ worker ends, by queue and outcome,
 * from the worker's own events, counts stalled jobs, and observes how long
 * each job waited before its first attempt started.
 */
export function observeJobWorker(worker: Worker, queue: string, deps: JobTelemetryDeps): void {
  const record = (job: Job, outcome: JobOutcome) => {
    deps.metrics.jobs.inc({ queue, outcome });
    if (job.processedOn !== undefined) {
      const seconds = Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000;
      deps.metrics.jobDuration.observe({ queue, outcome }, seconds);
    }
  };
  worker.on("completed", (job) => record(job, "completed"));
  worker.on("failed", (job, error) => {
    if (job !== undefined) {
      record(job, failedOutcome(job, error));
    }
  });
  worker.on("stalled", () => deps.metrics.jobsStalled.inc({ queue }));
  const waitTimes = deps.waitTimes;
  if (waitTimes !== undefined) {
    worker.on("active", (job) => {
      const seconds = firstAttemptWaitSeconds(job);
      if (seconds !== null) {
        waitTimes.jobWait.observe({ kind: queue }, seconds);
      }
    });
  }
}
