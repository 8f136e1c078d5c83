import type { Actor } from "../domain/actor";
import type { Tags, Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { isNoDifference, type TagDifference, tagDifference, tagSyncOf } from "../domain/worker-tags";
import { UpstreamUnavailableError } from "../errors";
import type { CloudProvider } from "../ports/cloud-provider.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { targetOf } from "./instance-readiness";
import type { ProgressReporter } from "./job-progress";
import { loadWorker } from "./load-worker";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface TagApplyDeps extends WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "save">;
  readonly cloud: Pick<CloudProvider, "describe" | "setTags" | "deleteTags">;
}

/** What one apply did: the job's result. */
export interface TagApplyResult {
  readonly workerId: string;
  readonly instanceId: string | null;
  readonly set: Tags;
  readonly removed: readonly string[];
  /** Why nothing was sent to EC2 (no instance, terminated), or null when the instance was compared. */
  readonly skipped: string | null;
}

/**
 * Rounds one job takes when people keep changing the tags while it applies
 * them: a request that lands during an apply joins the running job (same job
 * id), so the job applies again until the stored tags hold still.
 */
const MAX_ROUNDS = 5;

function sameTags(a: Tags, b: Tags): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

/**
 * Makes a worker's instance carry the worker's tags: EC2 CreateTags for the
 * keys added or changed, DeleteTags for the keys removed, both computed from
 * what the instance carries now (so running it twice, or after a crash
 * half-way, converges and sends nothing the second time). The fleet's own keys
 * (worker-tags.ts) are never in the difference, so never deleted. Runs under
 * the per-worker lock like every worker job, so it never races a launch.
 */
export function createTagApplyService(deps: TagApplyDeps) {
  /**
   * Settles the worker's tag state if its tags are still the ones applied;
   * false when people changed them meanwhile (then another round applies those).
   */
  async function settle(
    workerId: string,
    applied: Tags,
    difference: TagDifference | null,
    instanceId: string | null,
    actor: Actor,
  ): Promise<boolean> {
    let settled = false;
    await updateWorker(deps, workerId, (current, now) => {
      settled = sameTags(current.tags, applied);
      if (!settled) {
        return null;
      }
      const sync = tagSyncOf(current);
      const sent = difference !== null && !isNoDifference(difference);
      if (sync.pendingSince === null && sync.lastError === null && !sent) {
        return null;
      }
      const events =
        sent && difference !== null
          ? [
              workerEvent(
                current,
                "worker.tags_applied",
                `${current.name}: tags applied to ${instanceId} (${Object.keys(difference.set).length} set, ${difference.removed.length} removed)`,
                {
                  actor,
                  reason: null,
                  now,
                  data: { instanceId, set: difference.set, removed: difference.removed },
                },
              ),
            ]
          : [];
      const worker: Worker = {
        ...current,
        tagSync: {
          pendingSince: null,
          appliedAt: instanceId === null ? sync.appliedAt : now,
          lastError: null,
        },
      };
      return { worker, events };
    });
    return settled;
  }

  async function applyOnce(
    workerId: string,
    actor: Actor,
    progress: ProgressReporter,
  ): Promise<TagApplyResult | null> {
    const worker = await loadWorker(deps.workers, workerId);
    const skip = async (why: string): Promise<TagApplyResult | null> =>
      (await settle(workerId, worker.tags, null, null, actor))
        ? { workerId, instanceId: worker.instanceId, set: {}, removed: [], skipped: why }
        : null;
    if (worker.status === "TERMINATED") {
      return skip("the worker is terminated");
    }
    if (worker.instanceId === null) {
      // Provisioning launches with the worker's tags as they are then.
      return skip("no instance yet: the launch carries the tags");
    }
    await progress.report(0.2, "reading the instance's tags");
    const instance = await deps.cloud.describe(targetOf(worker), worker.instanceId);
    if (instance === null || instance.state === "terminated" || instance.state === "shutting-down") {
      return skip(`instance ${worker.instanceId} is gone`);
    }
    const difference = tagDifference(instance.tags, worker.tags);
    await progress.report(0.5, "applying tags");
    if (Object.keys(difference.set).length > 0) {
      await deps.cloud.setTags(targetOf(worker), [instance.instanceId], difference.set);
    }
    if (difference.removed.length > 0) {
      await deps.cloud.deleteTags(targetOf(worker), [instance.instanceId], difference.removed);
    }
    if (!(await settle(workerId, worker.tags, difference, instance.instanceId, actor))) {
      return null;
    }
    return { workerId, instanceId: instance.instanceId, ...difference, skipped: null };
  }

  return {
    async apply(workerId: string, actor: Actor, progress: ProgressReporter): Promise<TagApplyResult> {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const result = await applyOnce(workerId, actor, progress);
        if (result !== null) {
          await progress.report(1, result.skipped ?? "applied");
          return result;
        }
      }
      // Retryable: the next attempt starts from the tags as they are then.
      throw new UpstreamUnavailableError(
        "database",
        `the tags of worker ${workerId} kept changing while they were applied; trying again`,
      );
    },

    /** After the last attempt: the tags stay pending (reconciliation queues another apply), with the reason shown. */
    async recordFailure(workerId: string, reason: string): Promise<void> {
      await updateWorker(deps, workerId, (current) => {
        const sync = tagSyncOf(current);
        if (sync.pendingSince === null || sync.lastError === reason) {
          return null;
        }
        return { worker: { ...current, tagSync: { ...sync, lastError: reason } }, events: [] };
      });
    },
  };
}

export type TagApplyService = ReturnType<typeof createTagApplyService>;
