import { type WaitProgress, waitProgressIn } from "@cml-fleet/core/services/poll";

/** Where a job keeps its wait between steps: a key of its data beside the payload (never a secret). */
export const STEP_WAIT_KEY = "stepWait";

/**
 * Thrown by `ProcessorContext.waitAgain`: this step is over, the job runs
 * again in `delayMs`. The queue worker turns it into BullMQ's delayed state
 * (the slot and the worker's lock are handed back, no attempt is spent).
 */
export class StepWait extends Error {
  constructor(
    readonly delayMs: number,
    readonly progress: WaitProgress,
  ) {
    super(`waiting ${delayMs} ms (${progress.phase}, poll ${progress.polls})`);
    this.name = "StepWait";
  }
}

/** The longest a step may ask to wait: a bad value must not park a job for days. */
const MAX_STEP_DELAY_MS = 3_600_000;

/** The delay a step asked for, as BullMQ will take it: a whole number of ms within bounds. */
export function stepDelayMs(wait: StepWait): number {
  const delay = Number.isFinite(wait.delayMs) ? Math.round(wait.delayMs) : 0;
  return Math.min(Math.max(delay, 0), MAX_STEP_DELAY_MS);
}

/** The job data with the wait recorded, tied to the attempt that waited. */
export function withStepWait(
  data: unknown,
  progress: WaitProgress,
  attemptsMade: number,
): Record<string, unknown> {
  const payload = typeof data === "object" && data !== null ? data : {};
  return { ...payload, [STEP_WAIT_KEY]: { ...progress, attemptsMade } };
}

/**
 * The wait the last step of this attempt recorded, or null: none recorded, a
 * shape that does not parse, or one from an earlier attempt (a retry starts
 * its steps over, e.g. asks EC2 to start the instance again).
 */
export function stepWaitOf(data: unknown, attemptsMade: number): WaitProgress | null {
  if (typeof data !== "object" || data === null || !(STEP_WAIT_KEY in data)) {
    return null;
  }
  const recorded: unknown = (data as Record<string, unknown>)[STEP_WAIT_KEY];
  if (typeof recorded !== "object" || recorded === null) {
    return null;
  }
  if ((recorded as Record<string, unknown>).attemptsMade !== attemptsMade) {
    return null;
  }
  return waitProgressIn(recorded);
}
