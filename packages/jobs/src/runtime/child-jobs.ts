import { type JobKind, type JobPayloads, jobKindOfId } from "@cml-fleet/core/domain/job";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { type Job, type JobsOptions, Queue, WaitingChildrenError } from "bullmq";
import type { Redis } from "ioredis";

/** A job a parent queues under itself, with the id that makes a second queuing of it a no-op. */
export interface ChildJob<K extends JobKind = JobKind> {
  readonly kind: K;
  readonly jobId: string;
  readonly payload: JobPayloads[K];
}

/** A child that failed: its id, its data when the job is still kept, and why. */
export interface FailedChild {
  readonly jobId: string;
  readonly payload: unknown;
  readonly reason: string;
}

/** What a parent's children answered once they have all finished. */
export interface FinishedChildren {
  readonly values: readonly unknown[];
  readonly failures: readonly FailedChild[];
}

/** A parent job's children, for its processor (ProcessorContext.children). */
export interface ChildJobs {
  /** The children's answers when this attempt resumes the job after they all finished; null on a first step. */
  readonly finished: FinishedChildren | null;
  /**
   * Queues `children` under this job and parks it, holding no slot and no
   * lease, until every one has finished; the processor then runs again, with
   * `finished`. With no children (or all finished already) it answers at once.
   * Parking ends this attempt by throwing BullMQ's WaitingChildrenError, which
   * the processor must let through.
   */
  awaitAll(children: readonly ChildJob[]): Promise<FinishedChildren>;
}

/**
 * A step of a sweep is tried once (the next sweep supersedes a failed one) and
 * kept a while; its failure does not hold its parent up (the parent reads it).
 */
const CHILD_JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  ignoreDependencyOnFailure: true,
  removeOnComplete: { age: 3_600, count: 2_000 },
  removeOnFail: { age: 24 * 3_600, count: 2_000 },
};

/** The child queues of one job process, made when first needed. */
export function createChildQueues(connection: Redis, prefix: string) {
  const queues = new Map<JobKind, Queue>();
  const queueOf = (kind: JobKind): Queue => {
    let queue = queues.get(kind);
    if (queue === undefined) {
      queue = new Queue(queueName(kind), { connection, prefix });
      queues.set(kind, queue);
    }
    return queue;
  };

  /** The job id at the end of a BullMQ job key (`<prefix>:<queue>:<id>`; the fleet's ids hold no ":"). */
  const idOfKey = (key: string) => key.slice(key.lastIndexOf(":") + 1);

  async function finishedOf(job: Job): Promise<FinishedChildren | null> {
    const counts = await job.getDependenciesCount();
    const done = (counts.processed ?? 0) + (counts.ignored ?? 0) + (counts.failed ?? 0);
    if (done === 0 || (counts.unprocessed ?? 0) > 0) {
      return null;
    }
    const values = Object.values(await job.getChildrenValues<unknown>());
    const failures = await Promise.all(
      Object.entries(await job.getIgnoredChildrenFailures()).map(
        async ([key, reason]): Promise<FailedChild> => {
          const jobId = idOfKey(key);
          const kind = jobKindOfId(jobId);
          const child = kind === null ? undefined : await queueOf(kind).getJob(jobId);
          return { jobId, payload: child?.data ?? null, reason };
        },
      ),
    );
    return { values, failures };
  }

  return {
    /** The children of `job` (taken with BullMQ's `token`): what resumed it, and a way to queue more. */
    async of(job: Job, token: string): Promise<ChildJobs> {
      const finished = await finishedOf(job);
      return {
        finished,
        async awaitAll(children) {
          if (children.length === 0) {
            return { values: [], failures: [] };
          }
          const parent = { id: job.id ?? "", queue: job.queueQualifiedName };
          // One round trip per kind; a child already queued (a retried parent's) keeps its place.
          const byKind = new Map<JobKind, ChildJob[]>();
          for (const child of children) {
            byKind.set(child.kind, [...(byKind.get(child.kind) ?? []), child]);
          }
          for (const [kind, jobs] of byKind) {
            await queueOf(kind).addBulk(
              jobs.map((child) => ({
                name: kind,
                data: child.payload,
                opts: { ...CHILD_JOB_OPTIONS, jobId: child.jobId, parent },
              })),
            );
          }
          if (await job.moveToWaitingChildren(token)) {
            throw new WaitingChildrenError();
          }
          // Every child finished before the parent could park: their answers are there already.
          return (await finishedOf(job)) ?? { values: [], failures: [] };
        },
      };
    },
    async close(): Promise<void> {
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      queues.clear();
    },
  };
}

export type ChildQueues = ReturnType<typeof createChildQueues>;
