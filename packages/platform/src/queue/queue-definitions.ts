import {
  isSweepKind,
  JOB_KIND_TABLE,
  JOB_KINDS,
  type JobKind,
  type JobKindsWhere,
  type JobPayloads,
  workerJobId,
} from "@cml-fleet/core/domain/job";
import type { JobSchedulerTemplateOptions, JobsOptions } from "bullmq";

/** One queue per job kind (INTERFACES.md, "BullMQ"). */
export function queueName(kind: JobKind): string {
  return `cml-fleet.${kind}`;
}

/** Kinds that act on one worker and take its operation slot. */
export type WorkerJobKind = JobKindsWhere<{ readonly target: "worker" }>;

export function isWorkerKind(kind: JobKind): kind is WorkerJobKind {
  return JOB_KIND_TABLE[kind].target === "worker";
}

export const WORKER_KINDS: readonly WorkerJobKind[] = JOB_KINDS.filter(isWorkerKind);

/**
 * Jobs of a kind one process runs at once: a sweep covers the whole fleet
 * and the scheduler makes one per period, so one at a time is plenty.
 */
export function queueConcurrency(kind: JobKind, concurrency: number): number {
  if (kind === "telemetry-shard") {
    return Math.min(concurrency, TELEMETRY_SHARDS_AT_ONCE);
  }
  return isSweepKind(kind) ? 1 : concurrency;
}

/**
 * Shards of the telemetry sweep one process sweeps at once. Each already asks
 * many CML at once and writes with its own concurrency: more shards at once
 * would only queue for the process's database pool (10 connections), while
 * another process could have taken them.
 */
export const TELEMETRY_SHARDS_AT_ONCE = 2;

/** A sweep that fails is simply superseded by the next one, so it is tried once and few are kept. */
export const SWEEP_JOB_OPTIONS: JobSchedulerTemplateOptions = {
  attempts: 1,
  removeOnComplete: { count: 50 },
  removeOnFail: { count: 50 },
};

/** The worker a job acts on, when it acts on one. */
export function workerIdOf(kind: JobKind, payload: unknown): string | null {
  if (!isWorkerKind(kind) || typeof payload !== "object" || payload === null || !("workerId" in payload)) {
    return null;
  }
  return typeof payload.workerId === "string" ? payload.workerId : null;
}

/**
 * The job id: an operation on a worker collapses into one job while queued
 * or running (a second request joins it); other kinds get BullMQ's own ids.
 */
export function jobIdFor<K extends JobKind>(kind: K, payload: JobPayloads[K]): string | undefined {
  const workerId = workerIdOf(kind, payload);
  return workerId === null ? undefined : workerJobId(kind, workerId);
}

export interface JobRetryPolicy {
  /** Attempts including the first (CML_JOB_ATTEMPTS). */
  readonly attempts: number;
  /** First backoff delay; it doubles each retry. */
  readonly backoffMs: number;
}

/** Failed jobs stay a week (their last error is what an operator reads); completed ones a day. */
export function jobOptions(retry: JobRetryPolicy): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: "exponential", delay: retry.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 5_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** What a processor reports as progress (BullMQ stores it on the job). */
export interface JobProgressValue {
  readonly progress: number;
  readonly step: string;
}

/**
 * Where each Redis user keeps its keys, from REDIS_KEY_PREFIX, so that the
 * API and the job processes (and tests with their own prefix) agree.
 */
export function redisPrefixes(keyPrefix: string) {
  return {
    /** BullMQ's `prefix` option (BullMQ adds its own ":"). */
    bullmq: keyPrefix,
    /** Pub/sub channels and other plain keys: `<prefix>:<name>`. */
    keys: `${keyPrefix}:`,
  };
}
