import { type JobInfo, type JobKind, type JobPayloads, workerJobId } from "../../src/domain/job";
import type { JobQueue } from "../../src/ports/job-queue.port";

/** The producer side of the queue as a list: what was asked for, joined by id as BullMQ does while a job waits. */
export class RecordingJobQueue implements Pick<JobQueue, "enqueue"> {
  readonly queued: { readonly kind: JobKind; readonly payload: unknown; readonly id: string }[] = [];

  async enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K]): Promise<JobInfo> {
    const workerId = "workerId" in payload && typeof payload.workerId === "string" ? payload.workerId : null;
    const id = workerId === null ? `${kind}.${this.queued.length}` : workerJobId(kind, workerId);
    if (!this.queued.some((job) => job.id === id)) {
      this.queued.push({ kind, payload, id });
    }
    return {
      id,
      name: kind,
      workerId,
      state: "WAITING",
      progress: null,
      step: null,
      attempts: 0,
      failedReason: null,
      createdAt: new Date(0),
      startedAt: null,
      finishedAt: null,
    };
  }
}
