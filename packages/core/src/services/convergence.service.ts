import { type Actor, systemActor } from "../domain/actor";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import type { OperationIntent, WorkerOperationRecord } from "../domain/worker-operation";
import type { DesiredStatus, WorkerStatus } from "../domain/worker-status";
import type { JobLookup } from "../ports/job-lookup.port";
import type { AnyJobRequest, JobQueue } from "../ports/job-queue.port";
import type { UnattendedWorker, WorkerOperationStore } from "../ports/worker-operation-store.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { queuedNow } from "./worker-commands.service";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

const actor: Actor = systemActor("convergence");

export interface ConvergenceConfig {
  /** How old a pending row must be before its missing job counts as lost (one sweep interval). */
  readonly graceMs: number;
  /** Re-drives of one row before it is settled FAILED with a worker.operation_failed event. */
  readonly maxRedrives: number;
  /** Rows (and unattended workers) handled per sweep; the rest wait for the next one. */
  readonly batchSize: number;
}

export const DEFAULT_MAX_REDRIVES = 5;

export interface ConvergenceDeps extends WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "findByIds" | "save" | "appendEvents">;
  readonly operations: WorkerOperationStore;
  readonly jobs: Pick<JobQueue, "enqueue">;
  readonly jobLookup: JobLookup;
  readonly newId: () => string;
  readonly convergence: ConvergenceConfig;
}

export interface ConvergenceOutcome {
  /** Rows whose job had finished but not settled them (a crash in between). */
  readonly settled: number;
  readonly redriven: number;
  /** Rows that ran out of re-drives. */
  readonly failed: number;
  /** Workers without any outbox row whose desired status was re-driven. */
  readonly unattended: number;
}

/** The operation that takes a worker resting in `status` to `desired` (the pairs listUnattended answers). */
function operationTowards(
  desired: DesiredStatus,
  status: WorkerStatus,
): "start" | "stop" | "terminate" | null {
  if (desired === "TERMINATED") {
    return status === "RUNNING" || status === "STOPPED" ? "terminate" : null;
  }
  if (desired === "RUNNING") {
    return status === "STOPPED" ? "start" : null;
  }
  return desired === "STOPPED" && status === "RUNNING" ? "stop" : null;
}

/**
 * The converge sweep: every accepted intent reaches the cloud or ends in a
 * recorded failure. A PENDING outbox row older than the grace whose job is
 * not in the queue (Redis lost it, or the process died between the commit
 * and the job's end) is queued again, same payload, same job id; a row
 * whose job finished without settling it is settled; a row queued again
 * `maxRedrives` times is settled FAILED with a worker.operation_failed event.
 * Workers that no row serves and whose desired status nothing takes them to
 * (intents saved before the outbox) get a start, stop or terminate, with its
 * row, as system:convergence. The queue is asked about all rows at once.
 */
export function createConvergenceService(deps: ConvergenceDeps) {
  const { operations, convergence } = deps;

  async function redrive(row: WorkerOperationRecord, worker: Worker, why: string, now: Date): Promise<void> {
    // Only the fleet writes the outbox, with the payload it queued for this kind.
    const request = { kind: row.kind, payload: row.payload } as AnyJobRequest;
    await deps.jobs.enqueue(request.kind, request.payload);
    await operations.recordRedrive(row.id);
    await deps.workers.appendEvents([
      workerEvent(worker, "worker.operation_redriven", `${worker.name}: ${row.kind} queued again (${why})`, {
        actor,
        reason: why,
        now,
        data: { operation: row.kind, operationId: row.id, jobId: row.jobId, redrives: row.redrives + 1 },
      }),
    ]);
  }

  async function giveUp(row: WorkerOperationRecord, worker: Worker | undefined, now: Date): Promise<void> {
    if (!(await operations.settleOne(row.id, "FAILED", now)) || worker === undefined) {
      return;
    }
    const reason = `its job was lost and queued again ${row.redrives} times without landing`;
    await deps.workers.appendEvents([
      workerEvent(worker, "worker.operation_failed", `${worker.name}: ${row.kind} failed`, {
        actor,
        reason,
        now,
        data: { operation: row.kind, operationId: row.id, jobId: row.jobId, redrives: row.redrives },
      }),
    ]);
  }

  /** A worker no row serves: its intent is recorded again (event, row) and its job queued, in one transaction. */
  async function attend(found: UnattendedWorker): Promise<boolean> {
    const intent: OperationIntent = { operationId: deps.newId() };
    let queued = false;
    await updateWorker(
      deps,
      found.workerId,
      (current, now) => {
        const operation = operationTowards(current.desiredStatus, current.status);
        queued = operation !== null;
        if (operation === null) {
          return null;
        }
        return {
          worker: current,
          events: [
            workerEvent(
              current,
              "worker.operation_redriven",
              `${current.name}: ${operation} queued to reach its desired status ${current.desiredStatus}`,
              {
                actor,
                reason: `desired status ${current.desiredStatus} while ${current.status}, and no operation under way`,
                now,
                data: { operation, desiredStatus: current.desiredStatus, status: current.status },
              },
            ),
          ],
        };
      },
      {
        queueOperation: async (saved) => {
          const operation = operationTowards(saved.desiredStatus, saved.status) ?? "stop";
          const request = requestFor(operation, saved.id, queuedNow(intent, deps.clock.now()));
          const job = await deps.jobs.enqueue(request.kind, request.payload);
          return {
            id: intent.operationId,
            workerId: saved.id,
            kind: operation,
            jobId: job.id,
            payload: { ...request.payload },
            requestedAt: deps.clock.now(),
          };
        },
      },
    );
    return queued;
  }

  return {
    async converge(): Promise<ConvergenceOutcome> {
      const now = deps.clock.now();
      const pending = await operations.listPending(
        new Date(now.getTime() - convergence.graceMs),
        convergence.batchSize,
      );
      const jobs = await deps.jobLookup.find(pending.map((row) => row.jobId));
      const workers = new Map(
        (await deps.workers.findByIds([...new Set(pending.map((row) => row.workerId))])).map((worker) => [
          worker.id,
          worker,
        ]),
      );
      let settled = 0;
      let redriven = 0;
      let failed = 0;
      for (const row of pending) {
        const job = jobs.get(row.jobId);
        if (job?.state === "in-flight") {
          continue;
        }
        if (job !== undefined && job.operationId === row.id) {
          // Its job finished, and the process died before settling the row.
          if (await operations.settleOne(row.id, job.state === "completed" ? "DONE" : "FAILED", now)) {
            settled++;
          }
          continue;
        }
        const worker = workers.get(row.workerId);
        if (worker === undefined || row.redrives >= convergence.maxRedrives) {
          await giveUp(row, worker, now);
          failed++;
          continue;
        }
        const why =
          job === undefined ? "its job was not in the queue" : "its job had finished for another request";
        await redrive(row, worker, why, now);
        redriven++;
      }
      let unattended = 0;
      for (const found of await operations.listUnattended(convergence.batchSize)) {
        if (await attend(found)) {
          unattended++;
        }
      }
      return { settled, redriven, failed, unattended };
    },
  };
}

/** The job that takes a worker towards its desired status, serving `intent`. */
function requestFor(operation: "start" | "stop" | "terminate", workerId: string, intent: OperationIntent) {
  switch (operation) {
    case "start":
      return { kind: operation, payload: { workerId, actor, intent } } as const;
    case "stop":
      return {
        kind: operation,
        payload: { workerId, actor, reason: "desired status STOPPED (convergence)", intent },
      } as const;
    case "terminate":
      return { kind: operation, payload: { workerId, actor, force: false, intent } } as const;
  }
}

export type ConvergenceService = ReturnType<typeof createConvergenceService>;
