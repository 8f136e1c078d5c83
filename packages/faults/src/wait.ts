/** One look at the system: whether what is awaited holds, and what was seen (for the failure message). */
export interface Look<T> {
  readonly done: boolean;
  readonly seen: string;
  readonly value?: T;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** More context for the failure message (e.g. the tails of the processes' logs). */
  readonly context?: () => string;
}

export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
}

/**
 * Looks until `look` says done, at most `timeoutMs` (a bound, not a timing assertion: it turns a hang into a
 * failure). A look that throws counts as not done (a process may be restarting); its error is what was seen.
 * The failure names what was expected and the last thing seen.
 */
export async function waitUntil<T>(
  expected: string,
  look: () => Promise<Look<T>>,
  options: WaitOptions,
): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let seen = "nothing yet";
  for (;;) {
    try {
      const result = await look();
      if (result.done) {
        return result.value;
      }
      seen = result.seen;
    } catch (error) {
      seen = `the look failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) {
      const context = options.context === undefined ? "" : `\n${options.context()}`;
      throw new WaitTimeoutError(
        `expected ${expected} within ${options.timeoutMs / 1000} s; last seen: ${seen}${context}`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds since `startedAt` (a Date.now() value), to one decimal. */
export function secondsSince(startedAt: number): number {
  return Math.round((Date.now() - startedAt) / 100) / 10;
}

/** Resolves with the promise's value, or fails naming `what` once `ms` have passed (a request must not hang). */
export async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s (it hangs)`)), ms);
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}
