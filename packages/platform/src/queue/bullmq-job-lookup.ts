import { jobKindOfId } from "@cml-fleet/core/domain/job";
import { intentOf } from "@cml-fleet/core/domain/worker-operation";
import type { JobLookup, QueuedJob } from "@cml-fleet/core/ports/job-lookup.port";
import type { Redis } from "ioredis";
import { queueName } from "./queue-definitions";

/** Commands per job in the pipeline: its data, and its score in the completed and failed sets. */
const PER_JOB = 3;

function parsed(data: unknown): unknown {
  if (typeof data !== "string") {
    return null;
  }
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

/**
 * Where many jobs stand, in one pipelined round trip (the converge sweep
 * looks up thousands of rows): BullMQ keeps a job in the hash
 * `<prefix>:<queue>:<id>` and a finished one in the `completed` or `failed`
 * sorted set. A job with no hash is gone.
 */
export function createBullmqJobLookup(redis: Redis, prefix: string): JobLookup {
  return {
    async find(ids) {
      const known = ids.flatMap((id) => {
        const kind = jobKindOfId(id);
        return kind === null ? [] : [{ id, queue: `${prefix}:${queueName(kind)}` }];
      });
      const found = new Map<string, QueuedJob>();
      if (known.length === 0) {
        return found;
      }
      const pipeline = redis.pipeline();
      for (const { id, queue } of known) {
        pipeline.hget(`${queue}:${id}`, "data");
        pipeline.zscore(`${queue}:completed`, id);
        pipeline.zscore(`${queue}:failed`, id);
      }
      const replies = (await pipeline.exec()) ?? [];
      known.forEach(({ id }, index) => {
        const [data, completed, failed] = replies
          .slice(index * PER_JOB, (index + 1) * PER_JOB)
          .map((reply) => {
            const [error, value] = reply;
            if (error !== null) {
              throw error;
            }
            return value;
          });
        if (data === null || data === undefined) {
          return;
        }
        const state = completed !== null ? "completed" : failed !== null ? "failed" : "in-flight";
        found.set(id, { state, operationId: intentOf(parsed(data))?.operationId ?? null });
      });
      return found;
    },
  };
}
