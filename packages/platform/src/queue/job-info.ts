import type { JobInfo, JobKind, JobState } from "@cml-fleet/core/domain/job";
import { JOB_KINDS } from "@cml-fleet/core/domain/job";
import type { JobState as BullState, Job } from "bullmq";
import { workerIdOf } from "./queue-definitions";

function toState(state: BullState | "unknown"): JobState {
  switch (state) {
    case "active":
      return "ACTIVE";
    case "delayed":
      return "DELAYED";
    case "completed":
      return "COMPLETED";
    case "failed":
      return "FAILED";
    default:
      return "WAITING";
  }
}

function isJobKind(name: string): name is JobKind {
  return (JOB_KINDS as readonly string[]).includes(name);
}

function progressOf(value: unknown): { progress: number | null; step: string | null } {
  if (typeof value === "number") {
    return { progress: value, step: null };
  }
  if (
    typeof value === "object" &&
    value !== null &&
    "progress" in value &&
    typeof value.progress === "number"
  ) {
    const step = "step" in value && typeof value.step === "string" ? value.step : null;
    return { progress: value.progress, step };
  }
  return { progress: null, step: null };
}

/**
 * The fields of a BullMQ job the fleet reads: a `Job` has them, and so does
 * {@link jobFieldsOfHash}'s reading of the stored hash.
 */
export interface JobFields {
  readonly id?: string | undefined;
  readonly name: string;
  readonly data: unknown;
  readonly progress: unknown;
  readonly attemptsMade: number;
  readonly failedReason?: string | undefined;
  readonly timestamp: number;
  readonly processedOn?: number | undefined;
  readonly finishedOn?: number | undefined;
}

/** A BullMQ job as the rest of the fleet sees it. */
export function toJobInfo(job: JobFields, state: BullState | "unknown", kindHint?: JobKind): JobInfo {
  const name = isJobKind(job.name) ? job.name : (kindHint ?? "refresh");
  const { progress, step } = progressOf(job.progress);
  return {
    id: job.id ?? "",
    name,
    workerId: workerIdOf(name, job.data),
    state: toState(state),
    progress,
    step,
    attempts: job.attemptsMade,
    failedReason: job.failedReason === undefined || job.failedReason === "" ? null : job.failedReason,
    createdAt: new Date(job.timestamp),
    // Set when a job process takes the job (again on each attempt), so run time can be told from wait time.
    startedAt: job.processedOn === undefined ? null : new Date(job.processedOn),
    finishedAt: job.finishedOn === undefined ? null : new Date(job.finishedOn),
  };
}

/**
 * A job's fields from its stored hash (`HGETALL <prefix>:<queue>:<id>`), read
 * as BullMQ reads them, so many jobs can be fetched in one pipelined round
 * trip instead of a `getJob` each. Null when the hash is empty (no such job).
 */
export function jobFieldsOfHash(id: string, hash: Record<string, string>): JobFields | null {
  if (hash.name === undefined || hash.timestamp === undefined) {
    return null;
  }
  return {
    id,
    name: hash.name,
    data: parsedOr(hash.data, {}),
    progress: parsedOr(hash.progress, 0),
    attemptsMade: wholeNumber(hash.attemptsMade ?? hash.atm) ?? 0,
    failedReason: hash.failedReason ?? "",
    timestamp: wholeNumber(hash.timestamp) ?? 0,
    processedOn: wholeNumber(hash.processedOn),
    finishedOn: wholeNumber(hash.finishedOn),
  };
}

function parsedOr(text: string | undefined, fallback: unknown): unknown {
  if (text === undefined) {
    return fallback;
  }
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function wholeNumber(text: string | undefined): number | undefined {
  const value = text === undefined || text === "" ? Number.NaN : Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** The job's return value, which processors store as JSON-friendly data. */
export function resultOf(job: Pick<Job, "returnvalue">): unknown {
  return job.returnvalue ?? null;
}
