import { JobLockLostError } from "@cml-fleet/core/errors";
import type { Redis } from "ioredis";

interface WatchedAttempt {
  readonly controller: AbortController;
  readonly what: string;
}

export interface JobLockWatch {
  /** Watches one attempt (BullMQ's token) of a job; `signal` fires when BullMQ's lock on the job is no longer its. */
  track(jobId: string, token: string, what: string): { readonly signal: AbortSignal; untrack(): void };
  /** BullMQ's `lockRenewalFailed`: each attempt here whose job lock now holds another token (or none) is told. */
  renewalFailed(jobIds: readonly string[]): Promise<void>;
}

/**
 * BullMQ's own lock on a job (`<queue key>:<jobId>:lock`, valued with the
 * attempt's token) is what makes another process take a job over as
 * stalled. When this process cannot renew it, the job may already be
 * running elsewhere (or about to), under another token: the attempt here
 * must stop acting, and let go of the worker's lock so that the attempt that
 * took over can run. `lockKeyOf` names the lock key of a job id.
 */
export function createJobLockWatch(redis: Redis, lockKeyOf: (jobId: string) => string): JobLockWatch {
  const attempts = new Map<string, Map<string, WatchedAttempt>>();
  return {
    track(jobId, token, what) {
      const controller = new AbortController();
      const ofJob = attempts.get(jobId) ?? new Map<string, WatchedAttempt>();
      ofJob.set(token, { controller, what });
      attempts.set(jobId, ofJob);
      return {
        signal: controller.signal,
        untrack() {
          ofJob.delete(token);
          if (ofJob.size === 0 && attempts.get(jobId) === ofJob) {
            attempts.delete(jobId);
          }
        },
      };
    },
    async renewalFailed(jobIds) {
      for (const jobId of jobIds) {
        const ofJob = attempts.get(jobId);
        if (ofJob === undefined) {
          continue;
        }
        const holder = await redis.get(lockKeyOf(jobId));
        for (const [token, attempt] of ofJob) {
          if (holder !== token && !attempt.controller.signal.aborted) {
            attempt.controller.abort(
              new JobLockLostError(attempt.what, `BullMQ's lock on job ${jobId} is no longer this attempt's`),
            );
          }
        }
      }
    },
  };
}
