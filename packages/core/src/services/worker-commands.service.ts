import { randomUUID } from "node:crypto";
import { type Actor, describeActor } from "../domain/actor";
import { checkOptionalText, checkText } from "../domain/input-text";
import { type JobInfo, type JobPayloads, workerJobId } from "../domain/job";
import { actorOf, type Requester } from "../domain/requester";
import { type LaunchSnapshot, validateSnapshotDescription, validateSnapshotId } from "../domain/snapshot";
import type { Worker } from "../domain/worker";
import { validateAccountId } from "../domain/worker-account";
import { createWorker, recordOperationRequested } from "../domain/worker-changes";
import {
  type TagPair,
  validateAmiId,
  validateIdempotencyKey,
  validateInstanceType,
  validateOwner,
  validateRegion,
  validateTags,
  validateWorkerName,
} from "../domain/worker-input";
import type { OperationIntent } from "../domain/worker-operation";
import {
  type OperationPlan,
  operationRule,
  opposingOperation,
  planOperation,
  type WorkerOperation,
} from "../domain/worker-transitions";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import type { JobQueue } from "../ports/job-queue.port";
import type { LicenseTokenVault } from "../ports/license-token-vault.port";
import type { ScheduleStore } from "../ports/schedule-store.port";
import type { SnapshotStore } from "../ports/snapshot-store.port";
import type { SavedWorker, WorkerRepository } from "../ports/worker-repository.port";
import type { Settings } from "../settings/settings.schema";
import { successAudit } from "./request-audit";
import { checkScheduleId } from "./schedule.service";
import { publishSaved, unlessUnchanged, updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface WorkerJobResult {
  readonly worker: Worker;
  readonly job: JobInfo | null;
}

export interface CreateWorkerInput {
  readonly name: string;
  readonly region: string;
  readonly instanceType?: string | null | undefined;
  readonly amiId?: string | null | undefined;
  readonly tags?: readonly TagPair[] | null | undefined;
  readonly idempotencyKey?: string | null | undefined;
  /** A key of the configured accounts; the default account when omitted. */
  readonly accountId?: string | null | undefined;
  /** A COMPLETED snapshot (the fleet's id) of the same account and region to restore the root volume from. */
  readonly fromSnapshotId?: string | null | undefined;
  /** The identity that will own the worker (see Worker.owner); omitted or blank: nobody. */
  readonly owner?: string | null | undefined;
  /** A schedule the new worker follows from its creation (see setWorkerSchedule). */
  readonly scheduleId?: string | null | undefined;
}

/** What carrying out a person's request on a worker takes. */
export interface WorkerCommandServiceDeps extends WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "findByIdempotencyKey" | "insert" | "save">;
  readonly jobs: JobQueue;
  readonly settings: Settings;
  readonly licenseTokens: Pick<LicenseTokenVault, "put">;
  /** The id of a new worker; also of a new snapshot. */
  readonly newId: () => string;
  /** Snapshots a new worker may be launched from. */
  readonly snapshots: Pick<SnapshotStore, "findById">;
  /** Schedules a new worker may be put on. */
  readonly schedules: Pick<ScheduleStore, "findById">;
}

/**
 * A person's requests to create a worker or run an operation on one (the
 * API's lifecycle mutations). Each validates, checks the transition, writes
 * the intent (desired status, event, audit record and outbox row in one
 * transaction, the job queued inside it), publishes, and returns at once;
 * the job's processor carries it out through the lifecycle, provisioning or
 * license service. If queueing fails nothing is recorded and the request
 * fails (UPSTREAM_UNAVAILABLE); see the jobs README, "Convergence".
 */
export function createWorkerCommandService(deps: WorkerCommandServiceDeps) {
  const { workers, jobs, clock, settings } = deps;

  /** A fresh request for an operation (see {@link requestOperation}): its job gets `payload`. */
  function operate<K extends WorkerOperation>(
    by: Requester,
    operation: K,
    id: string,
    options: { reason?: string | null; details?: Record<string, unknown> },
    payload: (worker: Worker, actor: Actor, intent: OperationIntent) => Promise<JobPayloads[K]>,
  ): Promise<WorkerJobResult> {
    return requestOperation(deps, {
      by,
      operation,
      workerId: id,
      reason: options.reason ?? null,
      details: options.details ?? {},
      retryOf: null,
      payload,
      queue: (built) => jobs.enqueue(operation, built),
    });
  }

  /**
   * The snapshot a new worker is to be launched from: it must exist, be
   * COMPLETED, and be of the account and region the worker launches in (an
   * EBS snapshot is usable only there). Null when none is asked for.
   */
  /** The schedule's id once it is known to exist: a bad or unknown id changes nothing. */
  async function scheduleFor(given: string | null | undefined): Promise<string | null> {
    if (given === null || given === undefined) {
      return null;
    }
    const id = checkScheduleId("input.scheduleId", given);
    if ((await deps.schedules.findById(id)) === null) {
      throw new NotFoundError("schedule", id);
    }
    return id;
  }

  async function launchSnapshotFor(
    given: string | null | undefined,
    accountId: string,
    region: string,
  ): Promise<LaunchSnapshot | null> {
    if (given === null || given === undefined) {
      return null;
    }
    const id = validateSnapshotId("input.fromSnapshotId", given);
    const snapshot = await deps.snapshots.findById(id);
    if (snapshot === null) {
      throw new NotFoundError("snapshot", id);
    }
    if (snapshot.state !== "COMPLETED" || snapshot.snapshotId === null) {
      throw new ValidationError(
        "input.fromSnapshotId",
        `snapshot ${id} is ${snapshot.state}; only a COMPLETED snapshot can be launched from`,
      );
    }
    if (snapshot.accountId !== accountId || snapshot.region !== region) {
      throw new ValidationError(
        "input.fromSnapshotId",
        `snapshot ${id} is in account ${snapshot.accountId}, region ${snapshot.region}; the worker launches in account ${accountId}, region ${region}: an EBS snapshot can only be launched where it was taken`,
      );
    }
    return { id: snapshot.id, snapshotId: snapshot.snapshotId };
  }

  /** The same idempotency key answers with the same worker and its provisioning job. */
  async function replayCreate(
    existing: Worker,
    input: CreateWorkerInput,
    actor: Actor,
  ): Promise<WorkerJobResult> {
    const accountDiffers =
      input.accountId !== null && input.accountId !== undefined && input.accountId !== existing.accountId;
    if (existing.name !== input.name.trim() || existing.region !== input.region || accountDiffers) {
      throw new ConflictError(
        `idempotencyKey was already used to create worker ${existing.name} in ${existing.region}`,
      );
    }
    const job = await jobs.get(workerJobId("provision", existing.id));
    // The first request may have stored the worker and then lost Redis before queueing: queue it now
    // (the job id makes this a no-op while the first one exists).
    if (job === null && existing.instanceId === null && existing.status === "PENDING") {
      return { worker: existing, job: await jobs.enqueue("provision", { workerId: existing.id, actor }) };
    }
    return { worker: existing, job };
  }

  return {
    async createWorker(by: Requester, input: CreateWorkerInput): Promise<WorkerJobResult> {
      const actor = actorOf(by);
      const idempotencyKey =
        input.idempotencyKey === null || input.idempotencyKey === undefined
          ? null
          : validateIdempotencyKey(input.idempotencyKey);
      if (idempotencyKey !== null) {
        const existing = await workers.findByIdempotencyKey(idempotencyKey);
        if (existing !== null) {
          return replayCreate(existing, input, actor);
        }
      }
      const name = validateWorkerName(input.name);
      const region = validateRegion(settings, input.region);
      const accountId = validateAccountId(settings, input.accountId, "input.accountId");
      const instanceType = validateInstanceType(settings, input.instanceType);
      const amiId = input.amiId === null || input.amiId === undefined ? null : validateAmiId(input.amiId);
      const tags = validateTags(input.tags ?? []);
      const launchSnapshot = await launchSnapshotFor(input.fromSnapshotId, accountId, region);
      const owner = validateOwner(input.owner, "input.owner");
      const scheduleId = await scheduleFor(input.scheduleId);
      const now = clock.now();
      const change = createWorker({
        id: deps.newId(),
        name,
        accountId,
        region,
        instanceType,
        image: settings.worker.images[region] ?? { amiId: null, amiName: null, cmlVersion: null },
        amiId,
        tags,
        idempotencyKey,
        createdBy: by.name,
        launchSnapshot,
        owner,
        scheduleId,
        actor,
        now,
      });
      // The provision job is queued inside the insert's transaction, with its outbox row (see requestOperation).
      const intent: OperationIntent = { operationId: deps.newId() };
      let job: JobInfo | null = null;
      let saved: SavedWorker;
      try {
        saved = await workers.insert(change.worker, change.events, {
          queueOperation: async (inserted) => {
            const payload = { workerId: inserted.id, actor, intent: queuedNow(intent, clock.now()) };
            job = await jobs.enqueue("provision", payload);
            return {
              id: intent.operationId,
              workerId: inserted.id,
              kind: "provision",
              jobId: job.id,
              payload: { ...payload },
              requestedAt: clock.now(),
            };
          },
          audit: [
            successAudit(
              by,
              "createWorker",
              { name, accountId, region, instanceType, amiId, tags, idempotencyKey, owner, scheduleId },
              now,
            ),
          ],
        });
      } catch (error) {
        // Two requests with one key raced: the loser answers with the winner's worker.
        const winner = idempotencyKey === null ? null : await workers.findByIdempotencyKey(idempotencyKey);
        if (error instanceof ConflictError && winner !== null) {
          return replayCreate(winner, input, actor);
        }
        throw error;
      }
      await publishSaved(deps, saved.worker, saved.events);
      return { worker: saved.worker, job };
    },

    startWorker: (by: Requester, id: string) =>
      operate(by, "start", id, {}, async (worker, actor, intent) => ({ workerId: worker.id, actor, intent })),

    stopWorker(by: Requester, id: string, reason: string | null): Promise<WorkerJobResult> {
      const given = validateReason(reason);
      return operate(by, "stop", id, { reason: given }, async (worker, actor, intent) => ({
        workerId: worker.id,
        actor,
        reason: given,
        intent,
      }));
    },

    /** With `snapshot`, the job snapshots the root volume first and terminates only once it is COMPLETED. */
    terminateWorker(
      by: Requester,
      id: string,
      force: boolean,
      options: { readonly snapshot?: boolean } = {},
    ): Promise<WorkerJobResult> {
      const snapshot = options.snapshot === true;
      const details = snapshot ? { force, snapshot } : { force };
      return operate(by, "terminate", id, { details }, async (worker, actor, intent) => ({
        workerId: worker.id,
        actor,
        force,
        snapshotFirst: snapshot
          ? { snapshotId: deps.newId(), description: `before terminating ${worker.name}` }
          : null,
        intent,
      }));
    },

    refreshWorker: (by: Requester, id: string) =>
      operate(by, "refresh", id, {}, async (worker, actor, intent) => ({
        workerId: worker.id,
        actor,
        intent,
      })),

    async registerLicense(by: Requester, id: string, token: string | null): Promise<WorkerJobResult> {
      const given = token === null ? null : checkText("licenseToken", "token", token.trim());
      if (given === null && settings.license.token === null) {
        throw new ValidationError("token", "give a license token, or set CML_LICENSE_TOKEN on the fleet");
      }
      // The secret itself never reaches the audit log, the event data or the job data.
      const details = { tokenGiven: given !== null };
      return operate(by, "register-license", id, { details }, async (worker, actor, intent) => ({
        workerId: worker.id,
        actor,
        useConfiguredToken: given === null,
        tokenRef: given === null ? null : await deps.licenseTokens.put(given),
        intent,
      }));
    },

    /** An EBS snapshot of the worker's root volume (its CML labs with it), as a snapshot job. */
    snapshotWorker(by: Requester, id: string, description: string | null): Promise<WorkerJobResult> {
      const given = validateSnapshotDescription(description);
      return operate(
        by,
        "snapshot",
        id,
        { reason: null, details: { description: given } },
        async (worker, actor, intent) => ({
          workerId: worker.id,
          actor,
          snapshotId: deps.newId(),
          description: given,
          intent,
        }),
      );
    },

    deregisterLicense: (by: Requester, id: string) =>
      operate(by, "deregister-license", id, {}, async (worker, actor, intent) => ({
        workerId: worker.id,
        actor,
        intent,
      })),
  };
}

export type WorkerCommandService = ReturnType<typeof createWorkerCommandService>;

/** A reason as given: one line, bounded; blank means none. */
export function validateReason(reason: string | null | undefined, field = "reason"): string | null {
  const given = checkOptionalText("reason", field, reason);
  return given === null || given.trim() === "" ? null : given.trim();
}

/** A failed job that a person runs again: which one, and who had asked for it. */
export interface RetryOf {
  readonly jobId: string;
  readonly actor: Actor;
}

/** A person's request for an operation on a worker, fresh or the retry of a failed job. */
export interface OperationRequest<K extends WorkerOperation = WorkerOperation> {
  readonly by: Requester;
  readonly operation: K;
  readonly workerId: string;
  readonly reason: string | null;
  /** Recorded with the event and the audit entry (never a secret). */
  readonly details: Record<string, unknown>;
  readonly retryOf: RetryOf | null;
  /** The job's payload for the worker as saved, carrying `intent`, the outbox row it serves. */
  readonly payload: (worker: Worker, actor: Actor, intent: OperationIntent) => Promise<JobPayloads[K]>;
  /** Queues the job (a retry runs the failed one again) inside the intent's transaction. */
  readonly queue: (payload: JobPayloads[K]) => Promise<JobInfo>;
}

/**
 * What a retry plans: the operation's rule, as for a fresh request, except
 * that "join the work under way" cannot apply (the work failed). A worker
 * already where the operation leads has nothing left to retry; one on the
 * way (e.g. left STOPPING by a failed stop) runs the operation again.
 */
function planRetry(operation: WorkerOperation, worker: Worker): OperationPlan {
  const plan = planOperation(operation, worker.status, worker.desiredStatus);
  if (plan.kind === "run") {
    return plan;
  }
  const rule = operationRule(operation);
  if (rule.desired === worker.status) {
    throw new ConflictError(
      `worker ${worker.name} is already ${worker.status}: there is nothing left to ${operation}`,
    );
  }
  return { kind: "run", desired: rule.desired, next: null };
}

/**
 * Persists the intent of an operation and queues its job in one step: the
 * job is queued inside the intent's transaction, just before it commits, and
 * the outbox row (worker_operations) is written with it. A queue that is
 * down fails the request with nothing saved (UPSTREAM_UNAVAILABLE); an
 * intent that is saved always has its row, so the converge sweep lands it
 * even if the job is lost afterwards. The plan is made from the worker as
 * stored now, so a retry is checked exactly as a fresh request: a retry of a
 * stop on a worker that is now TERMINATED is a CONFLICT. A retry is recorded
 * as the retrier's request, with the failed job and who had asked for it in
 * the event's data and the audit entry. A request that joins the work under
 * way records nothing and answers with that work's job.
 */
export async function requestOperation<K extends WorkerOperation>(
  deps: WorkerWriterDeps & { readonly jobs: Pick<JobQueue, "get">; readonly newId?: () => string },
  request: OperationRequest<K>,
): Promise<WorkerJobResult> {
  const { by, operation, workerId, retryOf } = request;
  const actor = actorOf(by);
  const retryDetails =
    retryOf === null ? {} : { retryOf: retryOf.jobId, originalActor: describeActor(retryOf.actor) };
  const details = { ...request.details, ...retryDetails };
  // One id for every attempt of the write: a job queued by an attempt that lost a race serves the one that commits.
  const intent: OperationIntent = { operationId: (deps.newId ?? randomUUID)() };
  // Set by the attempt that counts (the last one): joining the work under way records nothing and queues nothing.
  let recorded = false;
  let job: JobInfo | null = null;
  const opposed = await opposingJobInFlight(deps.jobs, operation, workerId);
  const worker = await updateWorker(
    deps,
    workerId,
    (current, now) => {
      const plan =
        retryOf === null
          ? planOperation(operation, current.status, current.desiredStatus, opposed)
          : planRetry(operation, current);
      const next = unlessUnchanged(
        current,
        recordOperationRequested(current, operation, plan, actor, request.reason, now, details),
      );
      recorded = next !== null;
      return next;
    },
    {
      audit: (now) =>
        successAudit(
          by,
          retryOf === null ? operationRule(operation).mutation.field : "retryJob",
          retryOf === null
            ? { id: workerId, reason: request.reason, ...details }
            : { id: retryOf.jobId, kind: operation, workerId, reason: request.reason, ...details },
          now,
        ),
      queueOperation: async (saved) => {
        const payload = await request.payload(saved, actor, queuedNow(intent, deps.clock.now()));
        job = await request.queue(payload);
        return {
          id: intent.operationId,
          workerId,
          kind: operation,
          jobId: job.id,
          payload: recordOf(payload),
          requestedAt: deps.clock.now(),
        };
      },
    },
  );
  if (!recorded) {
    return { worker, job: await deps.jobs.get(workerJobId(operation, workerId)) };
  }
  return { worker, job };
}

/** A job payload as the outbox stores it. */
function recordOf(payload: object): Record<string, unknown> {
  return { ...payload };
}

const IN_FLIGHT = new Set(["WAITING", "DELAYED", "ACTIVE"]);

/**
 * Whether the opposite operation's job is queued or running on the worker
 * (a stop queued by the idle check while a start is asked): then the request
 * is not a join, and that job finds itself superseded (the jobs README).
 */
async function opposingJobInFlight(
  jobs: Pick<JobQueue, "get">,
  operation: WorkerOperation,
  workerId: string,
): Promise<boolean> {
  const opposite = opposingOperation(operation);
  if (opposite === null) {
    return false;
  }
  const job = await jobs.get(workerJobId(opposite, workerId));
  return job !== null && IN_FLIGHT.has(job.state);
}

/** The intent as its job is queued now (see OperationIntent.queuedAt). */
export function queuedNow(intent: OperationIntent, now: Date): OperationIntent {
  return { ...intent, queuedAt: now.getTime() };
}
