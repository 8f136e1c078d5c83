import { actorOf, type Requester } from "../domain/requester";
import type { Worker, WorkerIdlePolicy } from "../domain/worker";
import { setOwner, setTags } from "../domain/worker-changes";
import type { WorkerChange } from "../domain/worker-changes-common";
import { keepAlive, setIdlePolicy } from "../domain/worker-changes-idle";
import { type TagPair, validateOwner, validateTags } from "../domain/worker-input";
import { protectedTags, tagSyncOf } from "../domain/worker-tags";
import { ConflictError, ValidationError } from "../errors";
import type { JobQueue } from "../ports/job-queue.port";
import { successAudit } from "./request-audit";
import type { WorkerJobResult } from "./worker-commands.service";
import { unlessUnchanged, updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface WorkerSettingsServiceDeps extends WorkerWriterDeps {
  /** The apply-tags job that takes saved tags to the instance. */
  readonly jobs: Pick<JobQueue, "enqueue">;
}

export interface IdlePolicyChange {
  /** Omitted keeps the worker's value; null returns to the fleet default. */
  readonly enabled?: boolean | null | undefined;
  readonly thresholdMinutes?: number | null | undefined;
}

/** A keep-alive longer than a week is more likely forgotten than meant. */
const MAX_KEEP_ALIVE_MS = 7 * 24 * 3_600_000;

/** Changes to a worker's own settings: recorded at once, no job needed. */
export function createWorkerSettingsService(deps: WorkerSettingsServiceDeps) {
  function change(
    by: Requester,
    operation: string,
    id: string,
    args: Record<string, unknown>,
    apply: (worker: Worker, now: Date) => WorkerChange,
  ): Promise<Worker> {
    return updateWorker(
      deps,
      id,
      (worker, now) => {
        if (worker.status === "TERMINATED") {
          throw new ConflictError(`worker ${worker.name} is TERMINATED; its settings can no longer change`);
        }
        return unlessUnchanged(worker, apply(worker, now));
      },
      { audit: (now) => successAudit(by, operation, { id, ...args }, now) },
    );
  }

  return {
    /**
     * Saves people's tags (the fleet's own keys are refused, and kept as they
     * are) and queues the apply-tags job that takes them to the instance. A
     * worker whose instance is not launched yet only stores them: the launch
     * carries them. Tags still pending (a crash after the save, a failed
     * apply) are queued again by a repeat of the request, which otherwise
     * joins the job under way.
     */
    async setTags(by: Requester, id: string, pairs: readonly TagPair[]): Promise<WorkerJobResult> {
      const tags = validateTags(pairs);
      const actor = actorOf(by);
      const worker = await change(by, "setWorkerTags", id, { tags }, (current, now) => {
        const next = setTags(current, { ...protectedTags(current.tags), ...tags }, actor, now);
        if (next.worker === current || !mustReachInstance(current)) {
          return next;
        }
        const sync = tagSyncOf(current);
        const pending = { ...sync, pendingSince: sync.pendingSince ?? now };
        return { worker: { ...next.worker, tagSync: pending }, events: next.events };
      });
      if (tagSyncOf(worker).pendingSince === null) {
        return { worker, job: null };
      }
      return { worker, job: await deps.jobs.enqueue("apply-tags", { workerId: worker.id, actor }) };
    },

    setIdlePolicy(by: Requester, id: string, input: IdlePolicyChange): Promise<Worker> {
      return change(by, "setIdlePolicy", id, { ...input }, (worker, now) => {
        const policy: WorkerIdlePolicy = {
          enabled: input.enabled === undefined ? worker.idlePolicy.enabled : input.enabled,
          thresholdMinutes:
            input.thresholdMinutes === undefined
              ? worker.idlePolicy.thresholdMinutes
              : input.thresholdMinutes,
        };
        return setIdlePolicy(worker, policy, actorOf(by), null, now);
      });
    },

    /** Gives the worker to an identity (null or blank: nobody); validated before anything is read. */
    setOwner(by: Requester, id: string, owner: string | null): Promise<Worker> {
      const given = validateOwner(owner);
      return change(by, "setWorkerOwner", id, { owner: given }, (worker, now) =>
        setOwner(worker, given, actorOf(by), now),
      );
    },

    keepAlive(by: Requester, id: string, until: Date): Promise<Worker> {
      if (until.getTime() - deps.clock.now().getTime() > MAX_KEEP_ALIVE_MS) {
        throw new ValidationError("until", "may be at most 7 days ahead");
      }
      return change(by, "keepAlive", id, { until: until.toISOString() }, (worker, now) =>
        keepAlive(worker, until, actorOf(by), null, now),
      );
    },
  };
}

/**
 * Whether tags saved now must be sent to an instance: one exists, or one may
 * be launching (a worker PENDING without an instance is being provisioned;
 * its apply job waits for the provisioning's lock, then finds the instance).
 */
function mustReachInstance(worker: Worker): boolean {
  return worker.instanceId !== null || worker.status === "PENDING";
}

export type WorkerSettingsService = ReturnType<typeof createWorkerSettingsService>;
