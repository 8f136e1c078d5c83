import type { Redis } from "ioredis";

/** Releases the lock only if it is still ours (another job may hold it after ours expired). */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
/** Extends the lock only if it is still ours. */
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One operation per worker at a time, across every job process: the job
 * holds `<prefix>:worker-lock:<workerId>` while it runs, renewed, with a TTL
 * so a killed process frees it. The same job id may take it again (a stalled
 * job picked up by another process).
 */
export function createWorkerLocks(redis: Redis, prefix: string, ttlMs: number) {
  const keyOf = (workerId: string) => `${prefix}:worker-lock:${workerId}`;
  return {
    async acquire(workerId: string, owner: string): Promise<HeldLock | null> {
      const key = keyOf(workerId);
      const taken = await redis.set(key, owner, "PX", ttlMs, "NX");
      if (taken === null && (await redis.get(key)) !== owner) {
        return null;
      }
      const renew = setInterval(
        () => {
          redis.eval(EXTEND, 1, key, owner, String(ttlMs)).catch(() => {
            // A missed renewal is retried at the next tick; the TTL covers several.
          });
        },
        Math.max(100, Math.floor(ttlMs / 3)),
      );
      renew.unref();
      return {
        async release() {
          clearInterval(renew);
          await redis.eval(RELEASE, 1, key, owner);
        },
      };
    },
  };
}

export type WorkerLocks = ReturnType<typeof createWorkerLocks>;
