import { isFleetError, type Upstream, UpstreamUnavailableError } from "../errors";
import type { Clock } from "../ports/clock.port";

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
  for (;;) {
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
    const remaining = options.deadline.getTime() - deps.clock.now().getTime();
    if (remaining <= 0) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new UpstreamUnavailableError(options.upstream, `gave up waiting for ${options.what}${detail}`, {
        retryable: false,
        cause: lastError,
      });
    }
    await deps.sleep(Math.min(delay, remaining));
    delay = Math.min(Math.round(delay * 1.6), options.maxDelayMs);
  }
}
