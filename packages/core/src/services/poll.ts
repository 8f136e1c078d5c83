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

/**
 * Runs `work` outside any job's bound: for work one caller starts on behalf of
 * many (a coalesced describe), which must not end when that one caller's job does.
 */
export function outsideJobDeadline<T>(work: () => T): T {
  return jobDeadlines.exit(work);
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
  if (current !== null) {
    throwIfAborted(current);
  }
}

function throwIfAborted(job: JobDeadline): void {
  if (job.signal.aborted) {
    throw jobStopError(job);
  }
}

/** Sleeps, but wakes (and throws the timeout) as soon as the job's bound passes. */
async function sleepWithinJob(sleep: Sleep, ms: number, job: JobDeadline | null): Promise<void> {
  if (job === null) {
    await sleep(ms);
    return;
  }
  // A job stopped before its sleep began must not sleep at all: an abort event fires only once.
  throwIfAborted(job);
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

/** Sleeps, but wakes with the job's stop error as soon as the bound of the job this call runs in passes. */
export function sleepWithinCurrentJob(sleep: Sleep, ms: number): Promise<void> {
  return sleepWithinJob(sleep, ms, currentJobDeadline());
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
  const job = currentJobDeadline();
  const deadline = waitDeadline(options, job);
  for (;;) {
    const look = await probeOnce(probe);
    if (look.ready) {
      return look.value;
    }
    const remaining = remainingOrGiveUp(deps, options, deadline, job, look.lastError);
    await sleepWithinJob(deps.sleep, Math.min(delay, remaining), job);
    delay = nextDelay(delay, options);
  }
}

/** The wait ends at its own bound or the job's, whichever comes first. */
function waitDeadline(options: PollOptions, job: JobDeadline | null): Date {
  return job !== null && job.deadline.getTime() < options.deadline.getTime()
    ? job.deadline
    : options.deadline;
}

/** One probe (after checking the job may still act): its value, or the retryable error that meant "not yet". */
async function probeOnce<T>(
  probe: () => Promise<T | null>,
): Promise<
  { readonly ready: true; readonly value: T } | { readonly ready: false; readonly lastError: unknown }
> {
  throwIfPastJobDeadline();
  try {
    const value = await probe();
    return value === null ? { ready: false, lastError: null } : { ready: true, value };
  } catch (error) {
    if (!isRetryable(error)) {
      throw error;
    }
    return { ready: false, lastError: error };
  }
}

/**
 * The time left before the wait's deadline; past it, the wait gives up: as
 * the job's timeout when the job's bound came first, else permanently as
 * "gave up waiting" (the bound is the operator's setting).
 */
function remainingOrGiveUp(
  deps: PollDeps,
  options: PollOptions,
  deadline: Date,
  job: JobDeadline | null,
  lastError: unknown,
): number {
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
  return remaining;
}

function nextDelay(delay: number, options: PollOptions): number {
  return Math.min(Math.round(delay * 1.6), options.maxDelayMs);
}

/**
 * Where a wait spread over several job steps stands between two of them (the
 * job keeps it in its data): a step probes once and, when it is not ready,
 * hands its slot back until the next probe is due (see pollOnce).
 */
export interface WaitProgress {
  /** What is awaited, e.g. "boot", "cml": a wait for something else starts its count again. */
  readonly phase: string;
  /** Probes made so far in this phase. */
  readonly polls: number;
  /** The delay before the probe after the next one (the backoff). */
  readonly nextDelayMs: number;
}

/** One probe's outcome: the value, or how long to wait before the next probe and where the wait stands. */
export type PollStep<T> =
  | { readonly kind: "ready"; readonly value: T }
  | { readonly kind: "wait"; readonly delayMs: number; readonly progress: WaitProgress };

/** A wait's progress read back from job data (untrusted shape): null when absent or malformed. */
export function waitProgressIn(value: unknown): WaitProgress | null {
  if (typeof value !== "object" || value === null) {
    return null;
  }
  const { phase, polls, nextDelayMs } = value as Record<string, unknown>;
  if (
    typeof phase !== "string" ||
    typeof polls !== "number" ||
    !Number.isInteger(polls) ||
    polls < 0 ||
    typeof nextDelayMs !== "number" ||
    !Number.isFinite(nextDelayMs) ||
    nextDelayMs < 0
  ) {
    return null;
  }
  return { phase, polls, nextDelayMs };
}

/**
 * One probe of a wait that {@link pollUntil} would run in a loop, for a job
 * that must not hold its slot while it waits: the probe runs once (it is told
 * its number in the phase, 1 for the first), and when it is not ready the
 * caller gets the delay until the next probe and the progress to give it
 * back. The bound is the same as pollUntil's: `options.deadline` is absolute
 * (kept on the worker, e.g. when its status changed), so it counts from the
 * start of the wait, not of the step; the job's own bound ends it too.
 */
export async function pollOnce<T>(
  deps: PollDeps,
  options: PollOptions & { readonly phase: string },
  previous: WaitProgress | null,
  probe: (poll: number) => Promise<T | null>,
): Promise<PollStep<T>> {
  const resumed = previous !== null && previous.phase === options.phase ? previous : null;
  const polls = (resumed?.polls ?? 0) + 1;
  const delay = resumed?.nextDelayMs ?? options.initialDelayMs;
  const job = currentJobDeadline();
  const deadline = waitDeadline(options, job);
  const look = await probeOnce(() => probe(polls));
  if (look.ready) {
    return { kind: "ready", value: look.value };
  }
  const remaining = remainingOrGiveUp(deps, options, deadline, job, look.lastError);
  return {
    kind: "wait",
    delayMs: Math.min(delay, remaining),
    progress: {
      phase: options.phase,
      polls,
      nextDelayMs: nextDelay(delay, options),
    },
  };
}
