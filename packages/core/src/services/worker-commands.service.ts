import type { Actor } from "../domain/actor";
import { type JobInfo, workerJobId } from "../domain/job";
import { actorOf, type Requester } from "../domain/requester";
import type { Worker } from "../domain/worker";
import { createWorker, recordOperationRequested } from "../domain/worker-changes";
import {
  type TagPair,
  validateAmiId,
  validateIdempotencyKey,
  validateInstanceType,
  validateRegion,
  validateTags,
  validateWorkerName,
} from "../domain/worker-input";
import { operationRule, planOperation, type WorkerOperation } from "../domain/worker-transitions";
import { ConflictError, ValidationError } from "../errors";
import type { JobQueue } from "../ports/job-queue.port";
import type { LicenseTokenVault } from "../ports/license-token-vault.port";
import type { SavedWorker, WorkerRepository } from "../ports/worker-repository.port";
import type { Settings } from "../settings/settings.schema";
import { successAudit } from "./request-audit";
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
}

/** What carrying out a person's request on a worker takes. */
export interface WorkerCommandServiceDeps extends WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "findByIdempotencyKey" | "insert" | "save">;
  readonly jobs: JobQueue;
  readonly settings: Settings;
  readonly licenseTokens: Pick<LicenseTokenVault, "put">;
  /** The id of a new worker. */
  readonly newId: () => string;
}

/**
 * A person's requests to create a worker or run an operation on one (the
 * API's lifecycle mutations). Each validates, checks the transition, writes
 * the intent (desired status, event and audit record in one transaction),
 * publishes, queues the job that does the work, and returns at once; the
 * job's processor carries it out through the lifecycle, provisioning or
 * license service. If queueing fails the intent stays recorded and repeating
 * the request queues the job (job ids make that idempotent).
 */
export function createWorkerCommandService(deps: WorkerCommandServiceDeps) {
  const { workers, jobs, clock, settings } = deps;

  /** Persists the intent of an operation, then queues its job (or answers with the one under way). */
  async function operate(
    by: Requester,
    operation: WorkerOperation,
    id: string,
    options: { reason?: string | null; details?: Record<string, unknown> },
    enqueue: (worker: Worker, actor: Actor) => Promise<JobInfo>,
  ): Promise<WorkerJobResult> {
    const actor = actorOf(by);
    const details = options.details ?? {};
    // Set by the attempt that counts (the last one): joining the work under way records nothing and queues nothing.
    let recorded = false;
    const worker = await updateWorker(
      deps,
      id,
      (current, now) => {
        const plan = planOperation(operation, current.status);
        const next = unlessUnchanged(
          current,
          recordOperationRequested(current, operation, plan, actor, options.reason ?? null, now, details),
        );
        recorded = next !== null;
        return next;
      },
      {
        audit: (now) =>
          successAudit(
            by,
            operationRule(operation).mutation.field,
            { id, reason: options.reason ?? null, ...details },
            now,
          ),
      },
    );
    if (!recorded) {
      return { worker, job: await jobs.get(workerJobId(operation, id)) };
    }
    return { worker, job: await enqueue(worker, actor) };
  }

  /** The same idempotency key answers with the same worker and its provisioning job. */
  async function replayCreate(
    existing: Worker,
    input: CreateWorkerInput,
    actor: Actor,
  ): Promise<WorkerJobResult> {
    if (existing.name !== input.name.trim() || existing.region !== input.region) {
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
      const instanceType = validateInstanceType(settings, input.instanceType);
      const amiId = input.amiId === null || input.amiId === undefined ? null : validateAmiId(input.amiId);
      const tags = validateTags(input.tags ?? []);
      const now = clock.now();
      const change = createWorker({
        id: deps.newId(),
        name,
        accountId: settings.aws.defaultAccount,
        region,
        instanceType,
        image: settings.worker.images[region] ?? { amiId: null, amiName: null, cmlVersion: null },
        amiId,
        tags,
        idempotencyKey,
        createdBy: by.name,
        actor,
        now,
      });
      let saved: SavedWorker;
      try {
        saved = await workers.insert(change.worker, change.events, {
          audit: [
            successAudit(
              by,
              "createWorker",
              { name, region, instanceType, amiId, tags, idempotencyKey },
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
      const job = await jobs.enqueue("provision", { workerId: saved.worker.id, actor });
      await publishSaved(deps, saved.worker, saved.events);
      return { worker: saved.worker, job };
    },

    startWorker: (by: Requester, id: string) =>
      operate(by, "start", id, {}, (worker, actor) => jobs.enqueue("start", { workerId: worker.id, actor })),

    stopWorker: (by: Requester, id: string, reason: string | null) =>
      operate(by, "stop", id, { reason }, (worker, actor) =>
        jobs.enqueue("stop", { workerId: worker.id, actor, reason }),
      ),

    terminateWorker: (by: Requester, id: string, force: boolean) =>
      operate(by, "terminate", id, { details: { force } }, (worker, actor) =>
        jobs.enqueue("terminate", { workerId: worker.id, actor, force }),
      ),

    refreshWorker: (by: Requester, id: string) =>
      operate(by, "refresh", id, {}, (worker, actor) =>
        jobs.enqueue("refresh", { workerId: worker.id, actor }),
      ),

    async registerLicense(by: Requester, id: string, token: string | null): Promise<WorkerJobResult> {
      const given = token === null ? null : token.trim();
      if (given === "") {
        throw new ValidationError("token", "must not be empty");
      }
      if (given === null && settings.license.token === null) {
        throw new ValidationError("token", "give a license token, or set CML_LICENSE_TOKEN on the fleet");
      }
      // The secret itself never reaches the audit log, the event data or the job data.
      const details = { tokenGiven: given !== null };
      return operate(by, "register-license", id, { details }, async (worker, actor) =>
        jobs.enqueue("register-license", {
          workerId: worker.id,
          actor,
          useConfiguredToken: given === null,
          tokenRef: given === null ? null : await deps.licenseTokens.put(given),
        }),
      );
    },

    deregisterLicense: (by: Requester, id: string) =>
      operate(by, "deregister-license", id, {}, (worker, actor) =>
        jobs.enqueue("deregister-license", { workerId: worker.id, actor }),
      ),
  };
}

export type WorkerCommandService = ReturnType<typeof createWorkerCommandService>;
