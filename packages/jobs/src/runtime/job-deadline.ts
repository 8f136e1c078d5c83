import type { JobKind } from "@cml-fleet/core/domain/job";
import type { JobDeadline } from "@cml-fleet/core/services/poll";
import type { Redis } from "ioredis";

/** The bounds of job attempts, from the settings. */
export interface JobTimeouts {
  /** CML_JOB_TIMEOUT: any job but a provision (start, stop, terminate, import, sweeps ...). */
  readonly jobTimeoutMs: number;
  /** CML_PROVISIONING_TIMEOUT: a provision (launch, boot, CML ready, license), from its first attempt. */
  readonly provisioningTimeoutMs: number;
}

export interface JobAttempt {
  readonly kind: JobKind;
  readonly jobId: string;
  /**
   * When the job was created (BullMQ's `timestamp`): a worker's job id is
   * reused by a later job for the same operation, which must get a bound of
   * its own, while every attempt of one job shares it.
   */
  readonly createdAt: number;
  readonly workerId: string | null;
}

/** An armed deadline: its signal fires at the bound; `disarm` when the attempt ends. */
export interface ArmedDeadline extends JobDeadline {
  disarm(): void;
}

/** What an attempt is, in messages: e.g. "stop job stop.w-1 for worker w-1". */
export function describeAttempt(attempt: Pick<JobAttempt, "kind" | "jobId" | "workerId">): string {
  const subject = attempt.workerId === null ? "" : ` for worker ${attempt.workerId}`;
  return `${attempt.kind} job ${attempt.jobId}${subject}`;
}

/** The scope of an attempt with no bound (timeouts unset): its signal fires only when it loses its lock. */
export function unboundedAttempt(attempt: Pick<JobAttempt, "kind" | "jobId" | "workerId">): ArmedDeadline {
  return {
    deadline: new Date(8_640_000_000_000_000),
    signal: new AbortController().signal,
    setting: "none",
    boundMs: Number.POSITIVE_INFINITY,
    what: describeAttempt(attempt),
    disarm: () => {},
  };
}

/**
 * When an attempt must end. A provision's bound counts from its first attempt
 * (kept in Redis, so a retry, or another process taking over a stalled job,
 * keeps the original bound: the setting bounds provisioning, not one try).
 * Every other job gets CML_JOB_TIMEOUT per attempt; the sweeps too: their
 * interval may be shorter than one honest sweep of a large fleet, and a
 * schedule never piles up runs, so the bound only has to catch a hung one.
 */
export async function armJobDeadline(
  redis: Redis,
  prefix: string,
  timeouts: JobTimeouts,
  attempt: JobAttempt,
): Promise<ArmedDeadline> {
  const provisioning = attempt.kind === "provision";
  const boundMs = provisioning ? timeouts.provisioningTimeoutMs : timeouts.jobTimeoutMs;
  const setting = provisioning ? "CML_PROVISIONING_TIMEOUT" : "CML_JOB_TIMEOUT";
  let deadlineMs = Date.now() + boundMs;
  if (provisioning) {
    const key = `${prefix}:job-deadline:${attempt.jobId}:${attempt.createdAt}`;
    // Kept a while past the bound so a late retry still finds it (and fails at once).
    await redis.set(key, String(deadlineMs), "PX", boundMs + 86_400_000, "NX");
    const stored = Number(await redis.get(key));
    if (Number.isFinite(stored) && stored > 0) {
      deadlineMs = stored;
    }
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadlineMs - Date.now()));
  timer.unref();
  return {
    deadline: new Date(deadlineMs),
    signal: controller.signal,
    setting,
    boundMs,
    what: describeAttempt(attempt),
    disarm: () => clearTimeout(timer),
  };
}
