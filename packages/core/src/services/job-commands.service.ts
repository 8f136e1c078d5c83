import { randomUUID } from "node:crypto";
import { type Actor, describeActor } from "../domain/actor";
import { checkText } from "../domain/input-text";
import { type JobInfo, type JobKind, type JobPayloads, type JobRequest, roleForJobKind } from "../domain/job";
import { actorOf, type Requester } from "../domain/requester";
import { roleAllows } from "../domain/role";
import type { Worker } from "../domain/worker";
import { changed, workerEvent } from "../domain/worker-changes-common";
import { validateRegion } from "../domain/worker-input";
import type { WorkerOperation } from "../domain/worker-transitions";
import { ConflictError, InvalidTransitionError, NotFoundError, PermissionDeniedError } from "../errors";
import type { AuditLog } from "../ports/audit-log.port";
import type { AnyJobRequest, JobQueue, JobWithRequest } from "../ports/job-queue.port";
import type { Settings } from "../settings/settings.schema";
import { refusalAudit, successAudit } from "./request-audit";
import {
  queuedNow,
  type RetryOf,
  requestOperation,
  type WorkerCommandServiceDeps,
} from "./worker-commands.service";
import { updateWorker } from "./worker-writer";

export interface JobCommandServiceDeps
  extends Pick<WorkerCommandServiceDeps, "workers" | "publisher" | "clock" | "logger"> {
  /** The id of a retry's outbox row (random when unset). */
  readonly newId?: () => string;
  readonly jobs: Pick<JobQueue, "get" | "getWithRequest" | "retry">;
  readonly audit: AuditLog;
  readonly settings: Pick<Settings, "aws" | "worker" | "license">;
}

/** A job of an operation on one worker (start, stop, terminate, ...). */
type OperationJobRequest = Extract<AnyJobRequest, { readonly kind: WorkerOperation }>;

/** Statuses a worker whose provisioning failed can be provisioned again from. */
const PROVISION_AGAIN_FROM = new Set<Worker["status"]>(["FAILED", "PENDING"]);

/**
 * A person's requests about jobs themselves, rather than about a worker.
 * Running a failed job again is a new request by the person who retries it:
 * it needs the role that may ask for the job's kind (an OPERATOR cannot
 * retry a terminate), it is planned against the worker as it is now (as a
 * fresh request would be), and the job runs again with the retrier as its
 * actor. The event and the audit entry name the failed job and who had
 * asked for it.
 */
export function createJobCommandService(deps: JobCommandServiceDeps) {
  /** Refuses (and records the refusal) unless `by` may ask for this kind of job. */
  async function requireRoleFor(by: Requester, found: JobWithRequest, id: string): Promise<void> {
    const kind = found.request.kind;
    const required = roleForJobKind(kind);
    if (roleAllows(by.role, required)) {
      return;
    }
    const error = new PermissionDeniedError(
      `retrying a ${kind} job needs the ${required} role, as asking for one does (you are ${by.role})`,
    );
    await deps.audit.record(refusalAudit(by, "retryJob", { id, kind }, error, deps.clock.now()));
    throw error;
  }

  /** The failed job's own payload, with the retrier as its actor. */
  function retriedBy<K extends JobKind>(
    kind: K,
    payload: JobPayloads[K] & { readonly actor: Actor },
    actor: Actor,
  ): JobRequest<K> {
    return { kind, payload: { ...payload, actor } };
  }

  async function retryProvision(
    by: Requester,
    id: string,
    payload: JobPayloads["provision"],
  ): Promise<JobInfo> {
    const actor = actorOf(by);
    const retryOf: RetryOf = { jobId: id, actor: payload.actor };
    // The failed job runs again inside the retry's transaction, serving an outbox row of its own
    // (the first request's row is settled): see the jobs README, "Convergence".
    const intent = { operationId: (deps.newId ?? randomUUID)() };
    let job: JobInfo | null = null;
    await updateWorker(
      deps,
      payload.workerId,
      (current, now) => {
        if (current.desiredStatus === "TERMINATED" || !PROVISION_AGAIN_FROM.has(current.status)) {
          throw new InvalidTransitionError("provision", current.status, null);
        }
        const event = workerEvent(
          current,
          "worker.operation_requested",
          `${current.name}: ${describeActor(actor)} asked to provision again`,
          {
            actor,
            reason: null,
            now,
            data: {
              operation: "provision",
              from: current.status,
              desired: "RUNNING",
              retryOf: id,
              originalActor: describeActor(retryOf.actor),
            },
          },
        );
        return changed(current, { desiredStatus: "RUNNING" }, now, [event]);
      },
      {
        audit: (now) =>
          successAudit(
            by,
            "retryJob",
            {
              id,
              kind: "provision",
              workerId: payload.workerId,
              originalActor: describeActor(payload.actor),
            },
            now,
          ),
        queueOperation: async (saved) => {
          const retried = { ...payload, actor, intent: queuedNow(intent, deps.clock.now()) };
          const info = await deps.jobs.retry(id, { kind: "provision", payload: retried });
          job = info;
          return {
            id: intent.operationId,
            workerId: saved.id,
            kind: "provision",
            jobId: info.id,
            payload: { ...retried },
            requestedAt: deps.clock.now(),
          };
        },
      },
    );
    if (job === null) {
      throw new ConflictError(`job ${id} has nothing left to run`);
    }
    return job;
  }

  /** The audit row of a retried job that acts on one worker. */
  async function recordWorkerRetry(
    by: Requester,
    id: string,
    kind: JobKind,
    workerId: string,
  ): Promise<void> {
    await deps.audit.record(successAudit(by, "retryJob", { id, kind, workerId }, deps.clock.now()));
  }

  async function retryImport(by: Requester, id: string, payload: JobPayloads["import"]): Promise<JobInfo> {
    // The fleet's settings may have changed since: the region must still be one it may use.
    validateRegion(deps.settings, payload.region);
    const actor = actorOf(by);
    const job = await deps.jobs.retry(id, retriedBy("import", payload, actor));
    await deps.audit.record(
      successAudit(
        by,
        "retryJob",
        { id, kind: "import", region: payload.region, originalActor: describeActor(payload.actor) },
        deps.clock.now(),
      ),
    );
    return job;
  }

  /**
   * A license token given to registerLicense is kept only until its job is
   * done (it is discarded after the last attempt), so only a registration with
   * the fleet's own token can run again.
   */
  function assertLicenseRetryable(payload: JobPayloads["register-license"]): void {
    if (!payload.useConfiguredToken || payload.tokenRef !== null) {
      throw new ConflictError(
        "the license token given with this job is used once and no longer held: run registerLicense again with the token",
      );
    }
    if (deps.settings.license.token === null) {
      throw new ConflictError(
        "the fleet no longer has a CML_LICENSE_TOKEN: run registerLicense with a token",
      );
    }
  }

  /** Worker operations: re-planned through the same path as a fresh request. */
  async function retryOperation(by: Requester, id: string, request: OperationJobRequest): Promise<JobInfo> {
    const actor = actorOf(by);
    let reason: string | null = null;
    let details: Record<string, unknown> = {};
    switch (request.kind) {
      case "stop":
        reason = request.payload.reason;
        break;
      case "terminate":
        details = { force: request.payload.force };
        break;
      case "register-license":
        assertLicenseRetryable(request.payload);
        details = { tokenGiven: false };
        break;
      default:
        break;
    }
    const result = await requestOperation(deps, {
      by,
      operation: request.kind,
      workerId: request.payload.workerId,
      reason,
      details,
      retryOf: { jobId: id, actor: request.payload.actor },
      // The failed job runs again as the retrier's, serving the retry's own outbox row.
      payload: async (_worker, _actor, intent) => ({ ...request.payload, actor, intent }),
      queue: (payload) => deps.jobs.retry(id, { kind: request.kind, payload }),
    });
    if (result.job === null) {
      throw new ConflictError(`job ${id} has nothing left to run`);
    }
    return result.job;
  }

  return {
    /**
     * Runs a failed job again, re-planned and as the retrier's request;
     * CONFLICT when it has not failed or the worker's state no longer allows
     * it, FORBIDDEN without the role of its kind, NOT_FOUND when there is no such job.
     */
    async retryJob(by: Requester, id: string): Promise<JobInfo> {
      checkText("jobId", "id", id);
      const found = await deps.jobs.getWithRequest(id);
      if (found === null) {
        throw new NotFoundError("job", id);
      }
      await requireRoleFor(by, found, id);
      if (found.info.state !== "FAILED") {
        throw new ConflictError(
          `job ${id} is ${found.info.state}, not FAILED; only failed jobs can be retried`,
        );
      }
      const { request } = found;
      switch (request.kind) {
        case "provision":
          return retryProvision(by, id, request.payload);
        case "import":
          return retryImport(by, id, request.payload);
        case "apply-tags": {
          // Applies the worker's tags as they are now, as the retrier's request.
          const job = await deps.jobs.retry(id, retriedBy("apply-tags", request.payload, actorOf(by)));
          await recordWorkerRetry(by, id, request.kind, request.payload.workerId);
          return job;
        }
        case "stop-lab":
        case "stop-all-labs": {
          // Stops the lab(s) again as the retrier's request (stopping a stopped lab is a no-op in CML).
          const job = await deps.jobs.retry(id, {
            ...request,
            payload: { ...request.payload, actor: actorOf(by) },
          });
          await recordWorkerRetry(by, id, request.kind, request.payload.workerId);
          return job;
        }
        case "telemetry-sweep":
        // A step of a sweep runs again from the reading it carries (a worker saved since is left alone).
        case "telemetry-region":
        case "telemetry-shard":
        case "idle-check":
        case "schedule-evaluate":
        case "reconcile":
        case "converge":
        case "price-refresh":
        // A notification is sent again as it was (to the channel, with the same delivery id).
        case "notify":
        // A channel test is sent again, as the retrier cannot wait for it: its outcome is the channel's lastError.
        case "notify-test":
        // A status-check reboot is the system's request and re-checks its episode: it runs again as it was.
        case "reboot": {
          // A sweep carries no request of anyone's: it runs again as it was.
          const job = await deps.jobs.retry(id);
          await deps.audit.record(successAudit(by, "retryJob", { id, kind: request.kind }, deps.clock.now()));
          return job;
        }
        default:
          return retryOperation(by, id, request);
      }
    },
  };
}

export type JobCommandService = ReturnType<typeof createJobCommandService>;
