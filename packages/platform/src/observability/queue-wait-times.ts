import { Histogram, type Registry } from "prom-client";

/**
 * Seconds a job waits to be taken: from a few milliseconds on an idle fleet
 * to an hour of backlog; finer than the run-time buckets at the short end,
 * where a healthy queue lives.
 */
const WAIT_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/**
 * How long jobs wait before a job process takes them, per job kind, observed
 * by the process that takes them. (Their run time is
 * cml_fleet_job_duration_seconds{queue,outcome}, observed when they end.)
 */
export interface QueueWaitTimes {
  readonly jobWait: Histogram<"kind">;
}

const waitTimesOf = new WeakMap<Registry, QueueWaitTimes>();

/** The wait-time histogram of a registry, registered on it the first time (the all-in-one process shares one). */
export function createQueueWaitTimes(registry: Registry): QueueWaitTimes {
  const existing = waitTimesOf.get(registry);
  if (existing !== undefined) {
    return existing;
  }
  const waitTimes: QueueWaitTimes = {
    jobWait: new Histogram({
      name: "cml_fleet_job_wait_seconds",
      help: "Time from when a job could first run (enqueued, or its delay or schedule reached) to the start of its first attempt, by kind; retries and jobs put back for a busy worker are not counted again.",
      labelNames: ["kind"],
      buckets: WAIT_BUCKETS,
      registers: [registry],
    }),
  };
  waitTimesOf.set(registry, waitTimes);
  return waitTimes;
}

/** What BullMQ's job says about when it was added, how long it was meant to wait, and when an attempt started. */
export interface StartedJob {
  /** When the job was added, Unix ms. */
  readonly timestamp: number;
  /** When the current attempt started, Unix ms (set by BullMQ as it moves the job to active). */
  readonly processedOn?: number | undefined;
  /** Attempts started so far, the current one included. */
  readonly attemptsStarted: number;
  /** The delay asked at enqueue (a scheduler's next run is a delayed job too); BullMQ zeroes the hash's copy, not this. */
  readonly opts: { readonly delay?: number | undefined };
}

/**
 * The seconds a job waited before its first attempt started, or null for a
 * later attempt: a retry waits out its backoff and a job put back for a busy
 * worker waits on purpose, so neither tells how far the queue is behind.
 */
export function firstAttemptWaitSeconds(job: StartedJob): number | null {
  if (job.attemptsStarted !== 1 || job.processedOn === undefined) {
    return null;
  }
  const readyAt = job.timestamp + Math.max(0, job.opts.delay ?? 0);
  return Math.max(0, job.processedOn - readyAt) / 1000;
}
