import { AsyncLocalStorage } from "node:async_hooks";
import {
  type FleetError,
  isFleetError,
  JobTimeoutError,
  type Upstream,
  UpstreamUnavailableError,
} from "../errors";
import type { Clock } from "../ports/clock.port";

/**
 * The bound of the job attempt a call runs in: an instant and a signal that
 * fires at it. The job runtime opens the scope around a processor; the
 * services' waits and the guarded ports (cloud, CML, repository) read it, so
 * a job past its bound stops before its next side effect without every
 * signature carrying a signal.
 */
export interface JobDeadline {
  readonly deadline: Date;
  /** Fires at the bound, or earlier when the attempt must stop (its lock lost: the reason says which). */
  readonly signal: AbortSignal;
  /** The setting that set the bound, named in the timeout's message. */
  readonly setting: string;
  readonly boundMs: number;
  /** What runs, e.g. "provision job 42 for worker w-1". */
  readonly what: string;
}

const jobDeadlines = new AsyncLocalStorage<JobDeadline>();

/** Runs `work` bounded by `deadline`: every wait and guarded call inside sees it. */
export function withinJobDeadline<T>(deadline: JobDeadline, work: () => Promise<T>): Promise<T> {
  return jobDeadlines.run(deadline, work);
}

/** The bound of the job this call runs in; null outside a job (the API, a test calling a service). */
export function currentJobDeadline(): JobDeadline | null {
  return jobDeadlines.getStore() ?? null;
}

export function jobTimeoutError(deadline: JobDeadline): JobTimeoutError {
  return new JobTimeoutError(deadline.setting, deadline.boundMs, deadline.what);
}

/**
 * Why a job's signal fired: the fleet error it was aborted with (the runtime
 * aborts with a JobLockLostError when the attempt loses its lock), otherwise
 * the job's timeout.
 */
export function jobStopError(job: JobDeadline): FleetError {
  const reason: unknown = job.signal.reason;
  return isFleetError(reason) ? reason : jobTimeoutError(job);
}

/** Throws why the job must stop (its bound passed, its lock was lost): call it before each side effect. */
export function throwIfPastJobDeadline(): void {
  const current = currentJobDeadline();
  if (current?.signal.aborted === true) {
    throw jobStopError(current);
  }
}

/** Sleeps, but wakes (and throws the timeout) as soon as the job's bound passes. */
async function sleepWithinJob(sleep: Sleep, ms: number, job: JobDeadline | null): Promise<void> {
  if (job === null) {
    await sleep(ms);
    return;
  }
  let onAbort: (() => void) | null = null;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(jobStopError(job));
    job.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    if (onAbort !== null) {
      job.signal.removeEventListener("abort", onAbort);
    }
    // The losing promise must not surface as an unhandled rejection.
    aborted.catch(() => undefined);
  }
}

/** Waiting, behind a function so tests can wait without waiting. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollDeps {
  readonly clock: Clock;
  readonly sleep: Sleep;
}

export interface PollOptions {
  /** What is awaited, for the timeout message, e.g. "instance i-1 running". */
  readonly what: string;
  readonly upstream: Upstream;
  /** Give up at this instant (absolute, so a retried job keeps the original bound). */
  readonly deadline: Date;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Whether an error is worth another try later (throttling, timeouts, a CML still booting). */
export function isRetryable(error: unknown): boolean {
  return isFleetError(error) && error.retryable;
}

/**
 * Calls `probe` until it returns a value, with exponential backoff between
 * calls, until the deadline. Retryable errors count as "not yet"; others end
 * the wait. Timing out is permanent: the bound is the operator's setting.
 */
export async function pollUntil<T>(
  deps: PollDeps,
  options: PollOptions,
  probe: () => Promise<T | null>,
): Promise<T> {
  let delay = options.initialDelayMs;
  let lastError: unknown = null;
  const job = currentJobDeadline();
  // The wait ends at its own bound or the job's, whichever comes first; the job's is reported as the job's timeout.
  const deadline =
    job !== null && job.deadline.getTime() < options.deadline.getTime() ? job.deadline : options.deadline;
  for (;;) {
    throwIfPastJobDeadline();
    try {
      const value = await probe();
      if (value !== null) {
        return value;
      }
      lastError = null;
    } catch (error) {
      if (!isRetryable(error)) {
        throw error;
      }
      lastError = error;
    }
    const remaining = deadline.getTime() - deps.clock.now().getTime();
    if (remaining <= 0 && job !== null && deadline === job.deadline) {
      throw jobTimeoutError(job);
    }
    if (remaining <= 0) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new UpstreamUnavailableError(options.upstream, `gave up waiting for ${options.what}${detail}`, {
        retryable: false,
        cause: lastError,
      });
    }
    await sleepWithinJob(deps.sleep, Math.min(delay, remaining), job);
    delay = Math.min(Math.round(delay * 1.6), options.maxDelayMs);
  }
}
