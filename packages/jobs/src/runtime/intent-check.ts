import { systemActor } from "@cml-fleet/core/domain/actor";
import type { JobKind } from "@cml-fleet/core/domain/job";
import { workerEvent } from "@cml-fleet/core/domain/worker-changes-common";
import { intentOf } from "@cml-fleet/core/domain/worker-operation";
import { operationRule, WORKER_OPERATIONS } from "@cml-fleet/core/domain/worker-transitions";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { WorkerOperationStore } from "@cml-fleet/core/ports/worker-operation-store.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import { workerIdOf } from "@cml-fleet/platform/queue/queue-definitions";
import { DelayedError, type Job } from "bullmq";
import type { JobDefinition } from "./job-definition";

export interface IntentGateDeps {
  readonly operations: WorkerOperationStore;
  readonly workers: Pick<WorkerRepository, "findById" | "appendEvents">;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * How long after it was queued a job waits for its intent's transaction
   * to commit (the job is queued just before the commit); past it, the
   * intent was never saved and the job does nothing.
   */
  readonly commitGraceMs: number;
  /** How soon a job whose intent is not committed yet looks again. */
  readonly recheckMs: number;
}

/** What a job does about the intent it carries, checked under the worker's lock before it acts. */
export type IntentVerdict =
  | { readonly kind: "act" }
  | { readonly kind: "wait" }
  | { readonly kind: "skip"; readonly reason: string };

const ACT: IntentVerdict = { kind: "act" };

function statusOperation(kind: JobKind) {
  const operation = WORKER_OPERATIONS.find((candidate) => candidate === kind);
  return operation === undefined ? null : operationRule(operation).desired;
}

/**
 * The job side of the outbox: a worker job carrying an intent (its outbox
 * row) acts only on an intent that was saved and still stands, and settles
 * its row when it is done. A job without one (queued by a sweep, or before
 * the outbox) acts as it always did.
 */
export function createIntentGate(deps: IntentGateDeps) {
  async function recordSuperseded(
    kind: JobKind,
    workerId: string,
    reason: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const worker = await deps.workers.findById(workerId);
    if (worker === null) {
      return;
    }
    await deps.workers.appendEvents([
      workerEvent(worker, "worker.operation_superseded", `${worker.name}: queued ${kind} superseded`, {
        actor: systemActor("lifecycle"),
        reason,
        now: deps.clock.now(),
        data: { operation: kind, desiredStatus: worker.desiredStatus, ...data },
      }),
    ]);
  }

  /**
   * A start or stop queued without an intent (the idle check's stop, a
   * schedule's start) gives way to the opposite request accepted after it
   * was queued: a person's start after an idle stop was queued wins.
   */
  async function supersededWithoutIntent(
    kind: JobKind,
    workerId: string,
    queuedAt: number,
  ): Promise<IntentVerdict> {
    const opposite = kind === "start" ? "stop" : kind === "stop" ? "start" : null;
    if (
      opposite === null ||
      !(await deps.operations.hasRequestSince(workerId, [opposite], new Date(queuedAt)))
    ) {
      return ACT;
    }
    const reason = `a ${opposite} was asked for after this ${kind} was queued`;
    await recordSuperseded(kind, workerId, reason, { by: opposite });
    return { kind: "skip", reason: `superseded: ${reason}` };
  }

  return {
    recheckMs: deps.recheckMs,

    async check(kind: JobKind, payload: unknown, queuedAt: number): Promise<IntentVerdict> {
      const intent = intentOf(payload);
      const workerId = workerIdOf(kind, payload);
      if (workerId === null) {
        return ACT;
      }
      if (intent === null) {
        return supersededWithoutIntent(kind, workerId, queuedAt);
      }
      const row = await deps.operations.findById(intent.operationId);
      if (row === null || row.workerId !== workerId || row.kind !== kind) {
        // Counted from the later of the job's creation and its queueing for this intent (a retried job keeps its creation).
        const since = Math.max(queuedAt, intent.queuedAt ?? 0);
        if (deps.clock.now().getTime() - since < deps.commitGraceMs) {
          return { kind: "wait" };
        }
        deps.logger.warn(
          { workerId, operationId: intent.operationId, kind },
          "the request behind this job was never saved; it does nothing",
        );
        return { kind: "skip", reason: "never saved: the request's transaction did not commit" };
      }
      if (row.state !== "PENDING") {
        return { kind: "skip", reason: `its request is already ${row.state}` };
      }
      const desired = statusOperation(kind);
      if (desired === null) {
        return ACT;
      }
      const worker = await deps.workers.findById(workerId);
      if (worker === null || worker.desiredStatus === desired) {
        return ACT;
      }
      // Only a later request changes the intent (a start after a queued stop); a job's own move does not (an idle
      // stop that ran meanwhile wrote STOPPED: the start asked after it still lands).
      const opposite = kind === "start" ? "stop" : kind === "stop" ? "start" : null;
      if (
        opposite !== null &&
        !(await deps.operations.hasRequestSince(workerId, [opposite], row.requestedAt))
      ) {
        return ACT;
      }
      // This job's work is no longer wanted.
      const reason = `the desired status is now ${worker.desiredStatus}, not ${desired}`;
      if (await deps.operations.settleOne(row.id, "SUPERSEDED", deps.clock.now())) {
        await recordSuperseded(kind, workerId, reason, { operationId: row.id });
      }
      return { kind: "skip", reason: `superseded: ${reason}` };
    },

    /** Settles the rows of the requests this job served (those that joined it too). */
    async settle(kind: JobKind, payload: unknown, state: "DONE" | "FAILED"): Promise<void> {
      const workerId = workerIdOf(kind, payload);
      if (workerId !== null) {
        await deps.operations.settle(workerId, kind, state, deps.clock.now());
      }
    },
  };
}

export type IntentGate = ReturnType<typeof createIntentGate>;

/**
 * Checks the intent of a job holding its worker's lock (see IntentGate):
 * null to go on; a result to complete with, having done nothing; or, while
 * the intent's transaction may still commit, the job comes back shortly
 * (DelayedError, no attempt spent). The lock is released unless it goes on.
 */
export async function gateIntent(
  gate: IntentGate | undefined,
  kind: JobKind,
  job: Job,
  token: string | undefined,
  lock: { release(): Promise<void> } | null,
): Promise<{ readonly skipped: string } | null> {
  if (gate === undefined) {
    return null;
  }
  let verdict: IntentVerdict;
  try {
    verdict = await gate.check(kind, job.data, job.timestamp);
  } catch (error) {
    await lock?.release();
    throw error;
  }
  if (verdict.kind === "act") {
    return null;
  }
  await lock?.release();
  if (verdict.kind === "wait") {
    await job.moveToDelayed(Date.now() + gate.recheckMs, token);
    throw new DelayedError();
  }
  return { skipped: verdict.reason };
}

/** The definition with its outbox rows settled: DONE when it completes, FAILED after its last attempt. */
export function withSettlement<K extends JobKind>(
  definition: JobDefinition<K>,
  gate: IntentGate | undefined,
): JobDefinition<K> {
  if (gate === undefined) {
    return definition;
  }
  return {
    // The rest of the definition (its lease, whether it fans out) as it is.
    ...definition,
    async process(payload, context) {
      const result = await definition.process(payload, context);
      await gate.settle(definition.kind, payload, "DONE");
      return result;
    },
    async onFinalFailure(payload, reason) {
      try {
        await definition.onFinalFailure?.(payload, reason);
      } finally {
        await gate.settle(definition.kind, payload, "FAILED");
      }
    },
  };
}
