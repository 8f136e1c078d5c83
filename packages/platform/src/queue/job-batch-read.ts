import { type JobInfo, type JobKind, jobKindOfId } from "@cml-fleet/core/domain/job";
import type { JobState as BullState, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { jobFieldsOfHash, toJobInfo } from "./job-info";

/** Commands per job in the pipeline: its hash, its score in the finished and delayed sets, its place in `active`. */
const PER_JOB = 5;

export interface JobBatchSource {
  queueOf(kind: JobKind): Queue;
  /** The queues' own connection. */
  readonly redis: Redis;
}

/**
 * Many jobs by id in one pipelined round trip, where `getJob` and
 * `getState` would cost two or more each: a page of 20 workers asks for 80
 * lifecycle jobs (Worker.activeJob). The state is read from where BullMQ
 * keeps the job: the completed, failed and delayed sets, the active list;
 * anything else still waits (waiting, prioritized or paused). Ids the fleet
 * does not make, jobs of another kind and jobs that are gone are left out.
 */
export async function readJobs(
  source: JobBatchSource,
  ids: readonly string[],
): Promise<Map<string, JobInfo>> {
  const known = ids.flatMap((id) => {
    const kind = jobKindOfId(id);
    return kind === null ? [] : [{ id, kind, queue: source.queueOf(kind) }];
  });
  const found = new Map<string, JobInfo>();
  if (known.length === 0) {
    return found;
  }
  const pipeline = source.redis.pipeline();
  for (const { id, queue } of known) {
    pipeline.hgetall(queue.toKey(id));
    pipeline.zscore(queue.toKey("completed"), id);
    pipeline.zscore(queue.toKey("failed"), id);
    pipeline.zscore(queue.toKey("delayed"), id);
    pipeline.lpos(queue.toKey("active"), id);
  }
  const replies = (await pipeline.exec()) ?? [];
  known.forEach(({ id, kind }, index) => {
    const [hash, completed, failed, delayed, active] = replies
      .slice(index * PER_JOB, (index + 1) * PER_JOB)
      .map(([error, value]) => {
        if (error !== null) {
          throw error;
        }
        return value;
      });
    const fields = isHash(hash) ? jobFieldsOfHash(id, hash) : null;
    // A job of another kind cannot sit in this queue, but the name says for sure.
    if (fields === null || fields.name !== kind) {
      return;
    }
    found.set(id, toJobInfo(fields, stateOf({ completed, failed, delayed, active }), kind));
  });
  return found;
}

function stateOf(places: Record<"completed" | "failed" | "delayed" | "active", unknown>): BullState {
  if (places.completed !== null) {
    return "completed";
  }
  if (places.failed !== null) {
    return "failed";
  }
  if (places.delayed !== null) {
    return "delayed";
  }
  return places.active !== null ? "active" : "waiting";
}

function isHash(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null;
}
