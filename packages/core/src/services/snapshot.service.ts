import type { Actor } from "../domain/actor";
import { describeActor } from "../domain/actor";
import { SNAPSHOT_ID_TAG, type WorkerSnapshot } from "../domain/snapshot";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { ConflictError } from "../errors";
import type { CloudSnapshot } from "../ports/cloud-provider.port";
import type { EventPublisher } from "../ports/event-publisher.port";
import type { SnapshotStore } from "../ports/snapshot-store.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { FLEET_TAGS } from "./fleet-tags";
import { type ReadinessDeps, targetOf } from "./instance-readiness";
import type { ProgressReporter } from "./job-progress";
import { loadWorker } from "./load-worker";
import { pollUntil } from "./poll";

export interface SnapshotDeps extends Pick<ReadinessDeps, "cloud" | "clock" | "sleep" | "logger"> {
  readonly workers: Pick<WorkerRepository, "findById" | "appendEvents">;
  readonly snapshots: SnapshotStore;
  readonly publisher: Pick<EventPublisher, "fleetEvent">;
  /** How often a pending snapshot is looked at again (first, then backing off to the max). */
  readonly pollInitialMs: number;
  readonly pollMaxMs: number;
  /** CML_SNAPSHOT_KEEP: completed snapshots kept per worker once a new one completes (null: all). */
  readonly keepPerWorker: number | null;
}

export interface SnapshotRequest {
  readonly workerId: string;
  readonly actor: Actor;
  /** The fleet's id of the snapshot, chosen when it was asked for (the same on every retry of the job). */
  readonly snapshotId: string;
  readonly description: string | null;
}

/** No bound of its own: the job's (CML_JOB_TIMEOUT) ends the wait. */
const NO_OWN_BOUND_MS = 7 * 24 * 3600 * 1000;

/** Tags on the EBS snapshot: the fleet's markers, the worker, the fleet's snapshot id, and the worker's own tags. */
export function snapshotTags(worker: Worker, snapshotId: string, actor: Actor): Record<string, string> {
  return {
    ...worker.tags,
    Name: worker.name,
    [FLEET_TAGS.managed]: "true",
    [FLEET_TAGS.workerId]: worker.id,
    [FLEET_TAGS.createdBy]: describeActor(actor).slice(0, 256),
    [SNAPSHOT_ID_TAG]: snapshotId,
  };
}

/**
 * Takes an EBS snapshot of a worker's root volume and waits for it. Every
 * step looks first at what is already done, so a job that crashed anywhere
 * and is retried makes no second snapshot: the record is keyed by the fleet's
 * id, and the EBS snapshot carries that id as a tag and is looked up by it
 * before CreateSnapshot (which has no client token).
 */
export function createSnapshotService(deps: SnapshotDeps) {
  async function record(
    worker: Worker,
    type: "worker.snapshot_completed" | "worker.snapshot_failed",
    message: string,
    actor: Actor,
    data: Record<string, unknown>,
  ) {
    const now = deps.clock.now();
    const events = await deps.workers.appendEvents([
      workerEvent(worker, type, message, { actor, reason: null, now, data }),
    ]);
    for (const event of events) {
      await deps.publisher.fleetEvent(event).catch((error: unknown) => {
        deps.logger.warn({ err: error, workerId: worker.id }, "could not publish a snapshot event");
      });
    }
  }

  async function existingEbsSnapshot(worker: Worker, stored: WorkerSnapshot): Promise<CloudSnapshot | null> {
    const target = targetOf(stored);
    if (stored.snapshotId !== null) {
      return deps.cloud.describeSnapshot(target, stored.snapshotId);
    }
    const found = await deps.cloud.findSnapshots(target, {
      [SNAPSHOT_ID_TAG]: stored.id,
      [FLEET_TAGS.workerId]: worker.id,
    });
    return found[0] ?? null;
  }

  async function create(worker: Worker, stored: WorkerSnapshot, actor: Actor): Promise<CloudSnapshot> {
    if (worker.instanceId === null) {
      throw new ConflictError(`worker ${worker.name} has no instance to snapshot`);
    }
    const target = targetOf(stored);
    const volumeId = await deps.cloud.rootVolumeOf(target, worker.instanceId);
    if (volumeId === null) {
      throw new ConflictError(`instance ${worker.instanceId} of worker ${worker.name} has no root volume`);
    }
    return deps.cloud.createSnapshot({
      target,
      volumeId,
      description: stored.description ?? `cml-fleet: ${worker.name}`,
      tags: snapshotTags(worker, stored.id, actor),
    });
  }

  /**
   * The retention rule: the worker's completed snapshots beyond the newest
   * `keepPerWorker` are deleted, each only after EC2 confirms the EBS snapshot
   * still carries this worker's tag (anything else is left alone). A failure
   * is logged and left for the next completed snapshot: the new one stands.
   * Returns the EBS ids deleted.
   */
  async function prune(worker: Worker): Promise<string[]> {
    const keep = deps.keepPerWorker;
    if (keep === null) {
      return [];
    }
    const all = (await deps.snapshots.listForWorkers([worker.id])).get(worker.id) ?? [];
    const excess = all.filter((snapshot) => snapshot.state === "COMPLETED").slice(keep);
    const deleted: string[] = [];
    for (const old of excess) {
      try {
        if (old.snapshotId !== null) {
          const ebs = await deps.cloud.describeSnapshot(targetOf(old), old.snapshotId);
          if (ebs !== null && ebs.tags[FLEET_TAGS.workerId] !== worker.id) {
            deps.logger.warn(
              { workerId: worker.id, snapshotId: old.snapshotId },
              "not deleting a snapshot that does not carry this worker's tag",
            );
            continue;
          }
          if (ebs !== null) {
            await deps.cloud.deleteSnapshot(targetOf(old), old.snapshotId);
            deleted.push(old.snapshotId);
          }
        }
        await deps.snapshots.delete(old.id);
      } catch (error) {
        deps.logger.warn({ err: error, workerId: worker.id, id: old.id }, "could not delete an old snapshot");
      }
    }
    return deleted;
  }

  return {
    async snapshot(request: SnapshotRequest, progress: ProgressReporter): Promise<WorkerSnapshot> {
      const worker = await loadWorker(deps.workers, request.workerId);
      let stored = await deps.snapshots.insertIfAbsent({
        id: request.snapshotId,
        workerId: worker.id,
        accountId: worker.accountId,
        region: worker.region,
        description: request.description,
        createdAt: deps.clock.now(),
      });
      if (stored.state !== "PENDING") {
        return stored;
      }
      await progress.report(0.05, "looking for the snapshot");
      let ebs = await existingEbsSnapshot(worker, stored);
      if (ebs === null) {
        if (stored.snapshotId !== null) {
          throw new ConflictError(`EBS snapshot ${stored.snapshotId} is gone`);
        }
        await progress.report(0.1, "creating the snapshot");
        ebs = await create(worker, stored, request.actor);
      }
      if (stored.snapshotId !== ebs.snapshotId) {
        stored = await deps.snapshots.update(stored.id, { snapshotId: ebs.snapshotId });
      }
      const snapshotId = ebs.snapshotId;
      const done = await pollUntil(
        deps,
        {
          what: `snapshot ${snapshotId} completed`,
          upstream: "ec2",
          deadline: new Date(deps.clock.now().getTime() + NO_OWN_BOUND_MS),
          initialDelayMs: deps.pollInitialMs,
          maxDelayMs: deps.pollMaxMs,
        },
        async () => {
          const current = await deps.cloud.describeSnapshot(targetOf(stored), snapshotId);
          if (current === null) {
            throw new ConflictError(`EBS snapshot ${snapshotId} is gone`);
          }
          if (current.state === "pending") {
            const percent = current.progressPercent ?? 0;
            await progress.report(0.1 + (0.85 * percent) / 100, `snapshot ${percent}%`);
            return null;
          }
          return current;
        },
      );
      if (done.state === "error") {
        const failed = await deps.snapshots.update(stored.id, {
          state: "ERROR",
          error: `EC2 reports snapshot ${snapshotId} in error`,
        });
        await record(
          worker,
          "worker.snapshot_failed",
          `${worker.name}: snapshot ${snapshotId} failed`,
          request.actor,
          {
            id: stored.id,
            snapshotId,
            error: failed.error,
          },
        );
        throw new ConflictError(`EC2 reports snapshot ${snapshotId} in error`);
      }
      const completed = await deps.snapshots.update(stored.id, {
        state: "COMPLETED",
        sizeGiB: done.sizeGiB,
        completedAt: deps.clock.now(),
        error: null,
      });
      const deleted = await prune(worker);
      await record(
        worker,
        "worker.snapshot_completed",
        `${worker.name}: snapshot ${snapshotId} completed (${done.sizeGiB ?? "?"} GiB)`,
        request.actor,
        { id: stored.id, snapshotId, sizeGiB: done.sizeGiB, description: stored.description, deleted },
      );
      await progress.report(1, "snapshot completed");
      return completed;
    },

    /** After the job's last attempt: the record shows ERROR with the reason (a COMPLETED one stays). */
    async failSnapshot(request: SnapshotRequest, reason: string): Promise<void> {
      const stored = await deps.snapshots.findById(request.snapshotId);
      if (stored === null || stored.state !== "PENDING") {
        return;
      }
      await deps.snapshots.update(stored.id, { state: "ERROR", error: reason.slice(0, 1000) });
      const worker = await deps.workers.findById(request.workerId);
      if (worker !== null) {
        await record(
          worker,
          "worker.snapshot_failed",
          `${worker.name}: snapshot failed: ${reason}`.slice(0, 500),
          request.actor,
          {
            id: stored.id,
            snapshotId: stored.snapshotId,
            error: reason,
          },
        );
      }
    },
  };
}

export type SnapshotService = ReturnType<typeof createSnapshotService>;
