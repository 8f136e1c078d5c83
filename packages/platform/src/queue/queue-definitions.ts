import type { JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import { workerJobId } from "@cml-fleet/core/domain/job";
import type { JobsOptions } from "bullmq";

/** One queue per job kind (INTERFACES.md, "BullMQ"). */
export function queueName(kind: JobKind): string {
  return `cml-fleet.${kind}`;
}

/** Kinds the scheduler repeats; they carry no worker. */
export const REPEATABLE_KINDS = [
  "telemetry-sweep",
  "idle-check",
  "reconcile",
] as const satisfies readonly JobKind[];

/** Kinds that act on one worker and take its operation slot. */
export const WORKER_KINDS = [
  "provision",
  "start",
  "stop",
  "terminate",
  "refresh",
  "register-license",
  "deregister-license",
] as const satisfies readonly JobKind[];
export type WorkerJobKind = (typeof WORKER_KINDS)[number];

export function isWorkerKind(kind: JobKind): kind is WorkerJobKind {
  return (WORKER_KINDS as readonly JobKind[]).includes(kind);
}

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
