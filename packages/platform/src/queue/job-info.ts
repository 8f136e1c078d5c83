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

/** A BullMQ job as the rest of the fleet sees it. */
export function toJobInfo(job: Job, state: BullState | "unknown", kindHint?: JobKind): JobInfo {
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
    finishedAt: job.finishedOn === undefined ? null : new Date(job.finishedOn),
  };
}

/** The job's return value, which processors store as JSON-friendly data. */
export function resultOf(job: Job): unknown {
  return job.returnvalue ?? null;
}
