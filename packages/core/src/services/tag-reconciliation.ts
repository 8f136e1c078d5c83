import { systemActor } from "../domain/actor";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { isNoDifference, protectedTags, tagDifference, tagSyncOf, userTags } from "../domain/worker-tags";
import type { CloudInstance } from "../ports/cloud-provider.port";
import type { JobQueue } from "../ports/job-queue.port";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface TagReconciliationDeps extends WorkerWriterDeps {
  /** Queues the apply of tags still pending. */
  readonly jobs: Pick<JobQueue, "enqueue">;
}

const reconciler = systemActor("reconciliation");

/**
 * Tags against EC2, for one worker and the instance as EC2 showed it at
 * `observedAt`. The rule:
 * - tags saved with setWorkerTags and not applied yet win: the apply job is
 *   queued (again, after a crash between the save and the job, or a failed
 *   apply), and EC2's tags are not read into the worker;
 * - once applied, EC2 is the truth: a change made in the console (a key
 *   added, changed or removed) becomes the worker's tags, with one
 *   `worker.tags_changed_externally` event naming the difference (the next
 *   pass finds nothing to follow);
 * - the fleet's own keys (Name, aws:*, cml-fleet:*) are never part of it: they
 *   keep their meaning whatever the console did to them.
 * Answers whether the worker's tags followed EC2.
 */
export async function reconcileWorkerTags(
  deps: TagReconciliationDeps,
  worker: Worker,
  instance: CloudInstance | null,
  observedAt: Date,
): Promise<boolean> {
  if (
    worker.status === "TERMINATED" ||
    instance === null ||
    instance.state === "terminated" ||
    instance.state === "shutting-down"
  ) {
    return false;
  }
  if (tagSyncOf(worker).pendingSince !== null) {
    // Joins the job already queued or running, if any.
    await deps.jobs.enqueue("apply-tags", { workerId: worker.id, actor: reconciler });
    return false;
  }
  if (isNoDifference(tagDifference(worker.tags, instance.tags))) {
    return false;
  }
  let followed = false;
  await updateWorker(deps, worker.id, (current, now) => {
    const sync = tagSyncOf(current);
    // A request or an apply since EC2 was read: what EC2 showed may be older than it; the next pass decides.
    const newer = sync.appliedAt !== null && sync.appliedAt.getTime() >= observedAt.getTime();
    if (sync.pendingSince !== null || newer || current.instanceId !== instance.instanceId) {
      return null;
    }
    const difference = tagDifference(current.tags, instance.tags);
    if (isNoDifference(difference)) {
      return null;
    }
    followed = true;
    const event = workerEvent(
      current,
      "worker.tags_changed_externally",
      `${current.name}: tags changed outside the fleet on ${instance.instanceId} (${Object.keys(difference.set).length} set, ${difference.removed.length} removed); the worker follows EC2`,
      {
        actor: reconciler,
        reason: null,
        now,
        data: { instanceId: instance.instanceId, set: difference.set, removed: difference.removed },
      },
    );
    return {
      worker: { ...current, tags: { ...protectedTags(current.tags), ...userTags(instance.tags) } },
      events: [event],
    };
  });
  return followed;
}
