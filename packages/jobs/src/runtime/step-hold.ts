import type { Redis } from "ioredis";

/** Deletes the hold only if it is still this job's. */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** How long a hold outlives the step's delay: the next step renews it, a job that is gone lets it lapse. */
const HOLD_GRACE_MS = 60_000;

/**
 * A job that waits between steps (a provision, a start) keeps its worker
 * for itself meanwhile, as it did when it held the worker's lock through the
 * wait: `<prefix>:worker-step:<workerId>` names the job while it is delayed,
 * and any other job on that worker finds the worker busy (it comes back
 * later). A stop asked while a provision waits for CML therefore runs after
 * the provision, not between two of its steps (where the provision's next
 * look would find the instance stopping and fail, terminating it).
 */
export function createStepHolds(redis: Redis, prefix: string) {
  const key = (workerId: string) => `${prefix}:worker-step:${workerId}`;
  return {
    /** Whether another job holds the worker between its steps. */
    async heldByAnother(workerId: string, jobId: string): Promise<boolean> {
      const holder = await redis.get(key(workerId));
      return holder !== null && holder !== jobId;
    },
    /** Holds the worker for `jobId` until its next step (`delayMs` from now) and a grace beyond. */
    async hold(workerId: string, jobId: string, delayMs: number): Promise<void> {
      await redis.set(key(workerId), jobId, "PX", delayMs + HOLD_GRACE_MS);
    },
    /** Lets the worker go once `jobId` is over (completed, or failed). */
    async release(workerId: string, jobId: string): Promise<void> {
      await redis.eval(RELEASE, 1, key(workerId), jobId);
    },
  };
}

export type StepHolds = ReturnType<typeof createStepHolds>;
