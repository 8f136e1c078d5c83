import { JobLockLostError } from "@cml-fleet/core/errors";
import type { Redis } from "ioredis";

/** Releases the lock only if it is still ours (another attempt may hold it after ours expired). */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
/** Extends the lock only if it is still ours. */
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldLock {
  /**
   * Fires (with a JobLockLostError as its reason) once the lock is no longer
   * ours: a renewal found another owner or no key, or Redis could not be
   * reached for longer than the TTL (someone else may hold it by now).
   */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** What holds a lock: one attempt of one job (BullMQ's per-attempt token), never just the job id. */
export interface LockOwner {
  readonly jobId: string;
  /** BullMQ's token of this attempt: a stalled attempt and the one that took the job over differ. */
  readonly token: string;
  /** For the lost-lock message, e.g. "stop job stop.w-1". */
  readonly what: string;
}

/**
 * One operation per worker at a time, across every job process: the job
 * attempt holds `<prefix>:worker-lock:<workerId>` while it runs, renewed, with
 * a TTL so a killed process frees it. Sweeps hold
 * `<prefix>:sweep-lease:<kind>` the same way, so two processes never run one
 * sweep at once. The owner is the attempt (job id and BullMQ token): a
 * stalled-but-alive attempt and the attempt that took its job over never
 * both hold the lock, and the one that lost it is told (`lost`) so it stops
 * acting at its next guarded call.
 */
export function createWorkerLocks(redis: Redis, prefix: string, ttlMs: number) {
  const take = async (key: string, owner: LockOwner): Promise<HeldLock | null> => {
    const value = `${owner.jobId}#${owner.token}`;
    if ((await redis.set(key, value, "PX", ttlMs, "NX")) === null) {
      return null;
    }
    const controller = new AbortController();
    let renewedAt = Date.now();
    let released = false;
    const lose = (why: string) => {
      clearInterval(renew);
      controller.abort(new JobLockLostError(owner.what, why));
    };
    const renew = setInterval(
      () => {
        // A missed renewal is retried at the next tick (commands wait while Redis is away);
        // past the TTL without one, the lock may be someone else's.
        if (Date.now() - renewedAt > ttlMs) {
          lose(`${key} could not be renewed for ${ttlMs} ms (Redis out of reach)`);
          return;
        }
        redis.eval(EXTEND, 1, key, value, String(ttlMs)).then(
          (extended) => {
            if (Number(extended) === 1) {
              renewedAt = Date.now();
            } else if (!released && !controller.signal.aborted) {
              lose(`${key} is no longer held by this attempt`);
            }
          },
          () => {},
        );
      },
      Math.max(100, Math.floor(ttlMs / 3)),
    );
    renew.unref();
    return {
      lost: controller.signal,
      async release() {
        released = true;
        clearInterval(renew);
        await redis.eval(RELEASE, 1, key, value);
      },
    };
  };
  return {
    /** The worker's operation lock for this attempt, or null while another attempt holds it. */
    acquire(workerId: string, owner: LockOwner): Promise<HeldLock | null> {
      return take(`${prefix}:worker-lock:${workerId}`, owner);
    },
    /**
     * The lease of one sweep kind (or of one step of a sharded sweep, e.g.
     * `telemetry-shard:<account>:<region>:<slot>`) for this attempt, or null
     * while another attempt holds it.
     */
    acquireSweep(key: string, owner: LockOwner): Promise<HeldLock | null> {
      return take(`${prefix}:sweep-lease:${key}`, owner);
    },
  };
}

export type WorkerLocks = ReturnType<typeof createWorkerLocks>;
