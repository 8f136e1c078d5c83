import type { JobInfo, JobKind } from "@cml-fleet/core/domain/job";
import { intentOf } from "@cml-fleet/core/domain/worker-operation";
import { ConflictError, NotFoundError } from "@cml-fleet/core/errors";
import type { AuditLog } from "@cml-fleet/core/ports/audit-log.port";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { JobCommandService } from "@cml-fleet/core/services/job-commands.service";
import { successAudit } from "@cml-fleet/core/services/request-audit";
import type { InspectedJob, QueueInspector } from "@cml-fleet/platform/queue/queue-inspector";
import type { Principal } from "../auth/principal";

export interface QueueViewActionDeps {
  readonly queues: QueueInspector;
  readonly jobCommands: Pick<JobCommandService, "retryJob">;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** What an action answers: the job or queue it acted on. */
export type ActionResult =
  | { readonly retried: JobInfo }
  | { readonly removed: { readonly id: string; readonly kind: JobKind; readonly state: string } }
  | { readonly queue: JobKind; readonly paused: boolean };

/** States after which a job is history: removing it changes nothing that is still to happen. */
const FINISHED = new Set(["completed", "failed"]);

/**
 * Why a job may not be removed, or null when it may: a job that still
 * carries an accepted request of a worker (an outbox row,
 * `worker_operations`) would be queued again by the converge sweep, since the
 * worker's intent stands; a running one cannot be taken from its process.
 * History, and queued jobs that no such request stands behind (sweeps,
 * notifications, imports), may go.
 */
export function removalRefusal(job: InspectedJob): string | null {
  if (job.state === "active") {
    return `job ${job.id} is running; a running job cannot be removed`;
  }
  if (FINISHED.has(job.state) || intentOf(job.data) === null) {
    return null;
  }
  return `job ${job.id} carries an accepted ${job.kind} request that is still to run; the fleet would queue it again if it were removed. Ask for the opposite operation instead, or remove it once it has finished`;
}

/**
 * The queue view's changes, made by an ADMIN (the view lets no one else
 * in). A retry is core's retryJob, as the GraphQL mutation makes it: planned
 * again from the worker's state, as the ADMIN's request, with its event and
 * audit row; BullMQ's own retry is never offered. Removing a job and pausing
 * a queue have no GraphQL mutation; each writes an audit row of its own.
 */
export function createQueueViewActions(deps: QueueViewActionDeps) {
  async function audited(
    by: Principal,
    operation: string,
    args: Record<string, unknown>,
    requestId: string,
  ): Promise<void> {
    await deps.audit.record({ ...successAudit(by, operation, args, deps.clock.now()), requestId });
  }

  return {
    async retry(by: Principal, id: string): Promise<ActionResult> {
      return { retried: await deps.jobCommands.retryJob(by, id) };
    },

    async remove(by: Principal, id: string, requestId: string): Promise<ActionResult> {
      const found = await deps.queues.job(id);
      if (found === null) {
        throw new NotFoundError("job", id);
      }
      const refusal = removalRefusal(found);
      if (refusal !== null) {
        throw new ConflictError(refusal);
      }
      const removed = await deps.queues.remove(id);
      const workerId =
        typeof removed.data === "object" && removed.data !== null && "workerId" in removed.data
          ? removed.data.workerId
          : null;
      await audited(
        by,
        "removeJob",
        {
          id,
          kind: removed.kind,
          state: removed.state,
          ...(typeof workerId === "string" ? { workerId } : {}),
        },
        requestId,
      );
      return { removed: { id, kind: removed.kind, state: removed.state } };
    },

    async setPaused(by: Principal, kind: JobKind, paused: boolean, requestId: string): Promise<ActionResult> {
      await deps.queues.setPaused(kind, paused);
      await audited(by, paused ? "pauseQueue" : "resumeQueue", { kind }, requestId);
      return { queue: kind, paused };
    },
  };
}

export type QueueViewActions = ReturnType<typeof createQueueViewActions>;
