import {
  JOB_KINDS,
  type JobInfo,
  type JobKind,
  type JobState,
  workerJobId,
} from "@cml-fleet/core/domain/job";
import type { JobListFilter } from "@cml-fleet/core/ports/job-queue.port";
import type { Job, JobType, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { decodeKeysetCursor, isAfter, type KeysetPosition } from "../repositories/keyset-cursor";
import { WORKER_KINDS } from "./queue-definitions";

/** The BullMQ structures a listed job may sit in, and the state each one means to the fleet. */
const LISTED_TYPES: readonly { readonly type: JobType; readonly state: JobState }[] = [
  { type: "active", state: "ACTIVE" },
  { type: "waiting", state: "WAITING" },
  { type: "prioritized", state: "WAITING" },
  { type: "delayed", state: "DELAYED" },
  { type: "completed", state: "COMPLETED" },
  { type: "failed", state: "FAILED" },
];

export interface JobListSource {
  queueOf(kind: JobKind): Queue;
  /** The queues' own connection: creation times are read from the job hashes in one pipeline. */
  readonly redis: Redis;
  info(job: Job, kind: JobKind): Promise<JobInfo>;
}

interface Candidate {
  readonly kind: JobKind;
  readonly id: string;
  readonly position: KeysetPosition;
}

/** Newest first: created at, then id, both descending (the order `isAfter` pages through). */
function newestFirst(a: KeysetPosition, b: KeysetPosition): number {
  const difference = b.at.getTime() - a.at.getTime();
  if (difference !== 0) {
    return difference;
  }
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * One page of jobs, newest first (created at, then id), after `filter.after`.
 *
 * BullMQ keeps no index by creation time: its lists and sorted sets are ordered by when a job was
 * added, finished, or is due, each state apart. So a page is found from the ids alone (one range read
 * per queue and state, one pipelined read of each job's creation time), and only the jobs on the page
 * are loaded whole. The cost is proportional to the jobs kept, which the queues' retention bounds
 * (queue-definitions.ts: completed jobs a day, at most 5,000 a queue; failed jobs a week), not to the
 * page asked for; a worker's jobs are one per kind and read directly.
 */
export async function listJobPage(source: JobListSource, filter: JobListFilter): Promise<JobInfo[]> {
  const after = filter.after === undefined ? null : decodeKeysetCursor(filter.after);
  const states = filter.states ?? [];
  const wanted = (state: JobState) => states.length === 0 || states.includes(state);
  const pageOf = (jobs: readonly JobInfo[]) =>
    jobs
      .filter((job) => wanted(job.state))
      .map((job) => ({ job, position: { at: job.createdAt, id: job.id } }))
      .filter(({ position }) => after === null || isAfter(position, after))
      .sort((a, b) => newestFirst(a.position, b.position))
      .slice(0, filter.first)
      .map(({ job }) => job);

  if (filter.workerId !== undefined || filter.workerIds !== undefined) {
    // A worker's jobs are one per kind, read directly; with both, the one worker only if it is among the ids.
    const workerIds =
      filter.workerIds === undefined
        ? [filter.workerId ?? ""]
        : filter.workerIds.filter((id) => filter.workerId === undefined || id === filter.workerId);
    const found = await Promise.all(
      workerIds.flatMap((workerId) =>
        WORKER_KINDS.map(async (kind) => {
          const job = await source.queueOf(kind).getJob(workerJobId(kind, workerId));
          return job === undefined ? null : source.info(job, kind);
        }),
      ),
    );
    return pageOf(found.filter((job): job is JobInfo => job !== null));
  }

  const candidates = (
    await Promise.all(JOB_KINDS.map((kind) => candidatesOf(source.redis, source.queueOf(kind), kind, wanted)))
  )
    .flat()
    .filter((candidate) => after === null || isAfter(candidate.position, after))
    .sort((a, b) => newestFirst(a.position, b.position));

  // A job may move on, or be removed by retention, between the reads: read a little more than the page,
  // load those, and keep the page from what is still there and still wanted.
  const jobs: JobInfo[] = [];
  for (let start = 0; start < candidates.length && jobs.length < filter.first; start += filter.first) {
    const slice = candidates.slice(start, start + filter.first);
    const loaded = await Promise.all(
      slice.map(async ({ kind, id }) => {
        const job = await source.queueOf(kind).getJob(id);
        return job === undefined || job.name !== kind ? null : source.info(job, kind);
      }),
    );
    for (const job of loaded) {
      if (job !== null && wanted(job.state)) {
        jobs.push(job);
      }
    }
  }
  return pageOf(jobs);
}

/** The ids in one queue's listed states, with each one's creation time, skipping unwanted states. */
async function candidatesOf(
  redis: Redis,
  queue: Queue,
  kind: JobKind,
  wanted: (state: JobState) => boolean,
): Promise<Candidate[]> {
  const types = LISTED_TYPES.filter(({ state }) => wanted(state)).map(({ type }) => type);
  const ids = [...new Set((await Promise.all(types.map((type) => queue.getRanges([type], 0, -1)))).flat())];
  if (ids.length === 0) {
    return [];
  }
  const pipeline = redis.pipeline();
  for (const id of ids) {
    pipeline.hget(queue.toKey(id), "timestamp");
  }
  const answers = (await pipeline.exec()) ?? [];
  const candidates: Candidate[] = [];
  ids.forEach((id, index) => {
    const timestamp = Number(answers[index]?.[1]);
    // No timestamp: removed since the range was read.
    if (Number.isFinite(timestamp) && timestamp > 0) {
      candidates.push({ kind, id, position: { at: new Date(timestamp), id } });
    }
  });
  return candidates;
}
