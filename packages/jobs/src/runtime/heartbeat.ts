import { hostname } from "node:os";
import type { JobKind } from "@cml-fleet/core/domain/job";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { heartbeatKey, type JobProcessHeartbeat } from "@cml-fleet/platform/queue/job-worker-health";
import { markJobProcessGone, markJobProcessLive } from "@cml-fleet/platform/queue/live-job-processes";
import type { Redis } from "ioredis";

export interface HeartbeatOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly processId: string;
  readonly queues: readonly JobKind[];
  readonly intervalMs: number;
  readonly logger: Logger;
  /**
   * Runs at every beat besides it: the schedule keeper declares again the
   * schedules Redis lost (a restart without data, a flush, a failover to an
   * empty replica), so they come back within one beat, with no restart.
   */
  readonly tend?: (() => Promise<void>) | undefined;
}

/**
 * Tells the API (via Redis) that this process serves these queues: a key per
 * process, refreshed every interval and expiring after three missed beats,
 * so a killed process disappears by itself.
 */
export function startHeartbeat(options: HeartbeatOptions): { stop(): Promise<void> } {
  const key = heartbeatKey(options.prefix, options.processId);
  const startedAt = new Date().toISOString();
  const beat = async () => {
    const value: JobProcessHeartbeat = {
      processId: options.processId,
      hostname: hostname(),
      pid: process.pid,
      queues: options.queues,
      startedAt,
      beatAt: new Date().toISOString(),
      intervalMs: options.intervalMs,
      keepsSchedules: options.tend !== undefined,
    };
    const now = Date.now();
    const ttl = options.intervalMs * 3;
    // The key says who it is; the index beside it lets /metrics count the live processes in one read.
    const transaction = options.redis.multi().set(key, JSON.stringify(value), "PX", ttl);
    await markJobProcessLive(transaction, options.prefix, options.processId, now + ttl, now).exec();
  };
  let tending = false;
  const tick = () => {
    beat().catch((error: unknown) => options.logger.warn({ err: error }, "heartbeat failed"));
    const tend = options.tend;
    // One tending at a time: while Redis is away, its commands wait, and ticks must not pile them up.
    if (tend !== undefined && !tending) {
      tending = true;
      tend()
        .catch((error: unknown) => options.logger.warn({ err: error }, "could not check the schedules"))
        .finally(() => {
          tending = false;
        });
    }
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await options.redis.del(key).catch(() => {});
      await markJobProcessGone(options.redis, options.prefix, options.processId).catch(() => {});
    },
  };
}
