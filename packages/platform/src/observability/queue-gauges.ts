import { JOB_KINDS, type JobKind, SWEEP_KINDS, type SweepKind } from "@cml-fleet/core/domain/job";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Redis } from "ioredis";
import { Counter, Gauge, type Registry } from "prom-client";
import { countLiveJobProcesses } from "../queue/live-job-processes";
import { queueName } from "../queue/queue-definitions";
import { oldestWaitingAges, readOldestWaiting } from "./queue-oldest-waiting";

/** The states of a queue's jobs the gauges count (finished ones are bounded by the queues' retention, not counted). */
export const QUEUE_GAUGE_STATES = ["waiting", "active", "delayed", "failed"] as const;
export type QueueGaugeState = (typeof QUEUE_GAUGE_STATES)[number];

/**
 * The queue gauges: what waits, runs and failed per job kind, how long the
 * oldest waiting job of each kind has waited, when each sweep last finished
 * and how often it is meant to run, and how many job processes are alive.
 * (Wait and run times of the jobs taken are histograms the job processes
 * observe: queue-wait-times.ts and cml_fleet_job_duration_seconds.)
 */
export interface QueueGauges {
  readonly queueJobs: Gauge<"kind" | "state">;
  readonly oldestWaiting: Gauge<"kind">;
  readonly sweepLastRun: Gauge<"kind">;
  readonly sweepInterval: Gauge<"kind">;
  readonly jobProcesses: Gauge;
  readonly scrapeErrors: Counter;
}

const gaugesOf = new WeakMap<Registry, QueueGauges>();

/** The queue gauges of a registry, registered on it the first time (a process's API and jobs share one registry). */
export function createQueueGauges(registry: Registry): QueueGauges {
  const existing = gaugesOf.get(registry);
  if (existing !== undefined) {
    return existing;
  }
  const gauges = registerQueueGauges(registry);
  gaugesOf.set(registry, gauges);
  return gauges;
}

function registerQueueGauges(registry: Registry): QueueGauges {
  const registers = [registry];
  return {
    queueJobs: new Gauge({
      name: "cml_fleet_queue_jobs",
      help: "Jobs in each kind's queue by state (waiting: ready to run, paused or prioritized; active; delayed: a backoff or a sweep's next run; failed: kept for a week), read from Redis at scrape time.",
      labelNames: ["kind", "state"],
      registers,
    }),
    oldestWaiting: new Gauge({
      name: "cml_fleet_queue_oldest_waiting_seconds",
      help: "Age of the job next in line in each kind's queue, from when it could first run (enqueued, or its delay reached); 0 when none waits. Read from Redis at scrape time.",
      labelNames: ["kind"],
      registers,
    }),
    sweepLastRun: new Gauge({
      name: "cml_fleet_sweep_last_run_timestamp_seconds",
      help: "When a sweep's last run finished (completed or failed), Unix seconds; absent until one has finished.",
      labelNames: ["kind"],
      registers,
    }),
    sweepInterval: new Gauge({
      name: "cml_fleet_sweep_interval_seconds",
      help: "The period of a sweep's repeating schedule, as declared in Redis; absent while the schedule is missing.",
      labelNames: ["kind"],
      registers,
    }),
    jobProcesses: new Gauge({
      name: "cml_fleet_job_processes",
      help: "Job processes whose heartbeat has not expired (three missed beats and a killed process is gone).",
      registers,
    }),
    scrapeErrors: new Counter({
      name: "cml_fleet_queue_gauge_errors_total",
      help: "Scrapes whose queue gauges could not be read from Redis (they keep their last values).",
      registers,
    }),
  };
}

export interface SweepRun {
  /** Unix ms of the last finished run, or null when none has finished (or Redis no longer keeps it). */
  readonly lastRunAt: number | null;
  /** The schedule's period in ms, or null when the schedule is missing. */
  readonly everyMs: number | null;
}

export interface QueueSnapshot {
  readonly counts: ReadonlyMap<JobKind, Readonly<Record<QueueGaugeState, number>>>;
  /** Seconds the job next in line of each kind has waited, 0 when none waits. */
  readonly oldestWaitingSeconds: ReadonlyMap<JobKind, number>;
  readonly sweeps: ReadonlyMap<SweepKind, SweepRun>;
  readonly jobProcesses: number;
}

export interface QueueSnapshotSource {
  readonly redis: Redis;
  /** BullMQ's prefix: `redisPrefixes(REDIS_KEY_PREFIX).bullmq`. */
  readonly bullmqPrefix: string;
  /** Plain keys' prefix: `redisPrefixes(REDIS_KEY_PREFIX).keys`. */
  readonly keysPrefix: string;
}

/** The reads of one job kind, in the order they are queued on the pipeline. */
const COUNT_READS = ["wait", "paused", "prioritized", "active", "delayed", "failed"] as const;
const SWEEP_READS = 3;

function numberOf(answer: [Error | null, unknown] | undefined): number {
  if (answer === undefined) {
    throw new Error("Redis gave fewer answers than the pipeline asked");
  }
  const [error, value] = answer;
  if (error !== null) {
    throw error;
  }
  return Number(value ?? 0);
}

/** The score of ZREVRANGE ... 0 0 WITHSCORES ([member, score] or []), or null. */
function topScore(answer: [Error | null, unknown] | undefined): number | null {
  if (answer === undefined || answer[0] !== null) {
    throw answer?.[0] ?? new Error("Redis gave fewer answers than the pipeline asked");
  }
  const value = answer[1];
  return Array.isArray(value) && value.length >= 2 ? Number(value[1]) : null;
}

/**
 * Reads every queue's counts and oldest waiting job, each sweep's last
 * finish and period, and the live job processes in one Redis round trip (a
 * pipeline, not a transaction: the figures are a scrape's, each exact, not
 * one instant's).
 */
export async function readQueueSnapshot(source: QueueSnapshotSource, now: number): Promise<QueueSnapshot> {
  const pipeline = source.redis.pipeline();
  const key = (kind: JobKind, suffix: string) => `${source.bullmqPrefix}:${queueName(kind)}:${suffix}`;
  for (const kind of JOB_KINDS) {
    pipeline
      .llen(key(kind, "wait"))
      .llen(key(kind, "paused"))
      .zcard(key(kind, "prioritized"))
      .llen(key(kind, "active"))
      .zcard(key(kind, "delayed"))
      .zcard(key(kind, "failed"));
  }
  for (const kind of SWEEP_KINDS) {
    // BullMQ scores a finished job by when it finished; the scheduler's id is the kind.
    pipeline
      .zrevrange(key(kind, "completed"), 0, 0, "WITHSCORES")
      .zrevrange(key(kind, "failed"), 0, 0, "WITHSCORES")
      .hget(key(kind, `repeat:${kind}`), "every");
  }
  countLiveJobProcesses(pipeline, source.keysPrefix, now);
  readOldestWaiting(pipeline, source.bullmqPrefix);
  const answers = (await pipeline.exec()) ?? [];

  let at = 0;
  const counts = new Map<JobKind, Record<QueueGaugeState, number>>();
  for (const kind of JOB_KINDS) {
    const [wait, paused, prioritized, active, delayed, failed] = COUNT_READS.map((_, index) =>
      numberOf(answers[at + index]),
    );
    at += COUNT_READS.length;
    counts.set(kind, {
      waiting: (wait ?? 0) + (paused ?? 0) + (prioritized ?? 0),
      active: active ?? 0,
      delayed: delayed ?? 0,
      failed: failed ?? 0,
    });
  }
  const sweeps = new Map<SweepKind, SweepRun>();
  for (const kind of SWEEP_KINDS) {
    const finished = [topScore(answers[at]), topScore(answers[at + 1])].filter((score) => score !== null);
    const every = answers[at + 2];
    if (every === undefined || every[0] !== null) {
      throw every?.[0] ?? new Error("Redis gave fewer answers than the pipeline asked");
    }
    at += SWEEP_READS;
    sweeps.set(kind, {
      lastRunAt: finished.length === 0 ? null : Math.max(...finished),
      everyMs: every[1] === null || every[1] === undefined ? null : Number(every[1]),
    });
  }
  return {
    counts,
    sweeps,
    jobProcesses: numberOf(answers[at]),
    oldestWaitingSeconds: oldestWaitingAges(answers[at + 1], now),
  };
}

export interface QueueGaugeDeps extends QueueSnapshotSource {
  readonly gauges: QueueGauges;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Sets the queue gauges from one Redis round trip, right before a scrape is
 * rendered. When Redis does not answer the gauges keep their last values and
 * the failure is counted, so the rest of the scrape still answers.
 */
export function createQueueGaugeRefresher(deps: QueueGaugeDeps): () => Promise<void> {
  const { gauges } = deps;
  const now = deps.now ?? Date.now;
  return async () => {
    try {
      const snapshot = await readQueueSnapshot(deps, now());
      for (const [kind, byState] of snapshot.counts) {
        for (const state of QUEUE_GAUGE_STATES) {
          gauges.queueJobs.set({ kind, state }, byState[state]);
        }
      }
      for (const [kind, seconds] of snapshot.oldestWaitingSeconds) {
        gauges.oldestWaiting.set({ kind }, seconds);
      }
      for (const [kind, run] of snapshot.sweeps) {
        if (run.lastRunAt === null) {
          gauges.sweepLastRun.remove({ kind });
        } else {
          gauges.sweepLastRun.set({ kind }, run.lastRunAt / 1000);
        }
        if (run.everyMs === null) {
          gauges.sweepInterval.remove({ kind });
        } else {
          gauges.sweepInterval.set({ kind }, run.everyMs / 1000);
        }
      }
      gauges.jobProcesses.set(snapshot.jobProcesses);
    } catch (error) {
      gauges.scrapeErrors.inc();
      deps.logger.warn({ err: error }, "could not read the queue gauges");
    }
  };
}
