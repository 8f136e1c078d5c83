import { checkText } from "../domain/input-text";
import { actorOf, type Requester } from "../domain/requester";
import type { Worker } from "../domain/worker";
import { validateAccountId } from "../domain/worker-account";
import { UpstreamUnavailableError, ValidationError } from "../errors";
import type { AuditLog } from "../ports/audit-log.port";
import type { Clock } from "../ports/clock.port";
import type { JobQueue } from "../ports/job-queue.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import type { Settings } from "../settings/settings.schema";
import { successAudit } from "./request-audit";

export interface WorkerImportServiceDeps {
  readonly workers: Pick<WorkerRepository, "findByIds">;
  readonly jobs: Pick<JobQueue, "enqueue" | "waitForResult">;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly settings: Pick<Settings, "aws">;
  /** How long a request waits for the import job before failing UPSTREAM_UNAVAILABLE. */
  readonly importWaitMs: number;
}

const MAX_INSTANCE_IDS = 1000;

/**
 * Adopts instances that already run in AWS. Only the cloud knows them, and
 * a request never calls the cloud (the API process has no cloud adapter), so
 * it asks the import job and waits for its answer, bounded.
 */
export function createWorkerImportService(deps: WorkerImportServiceDeps) {
  return {
    /** Adopts instances of the default account (see importAccountWorkers). */
    importWorkers(by: Requester, region: string, instanceIds: readonly string[] | null): Promise<Worker[]> {
      return importFrom(by, "importWorkers", deps.settings.aws.defaultAccount, region, instanceIds);
    },

    /** Adopts instances of one of the configured accounts; an unknown account is BAD_USER_INPUT. */
    async importAccountWorkers(
      by: Requester,
      accountId: string,
      region: string,
      instanceIds: readonly string[] | null,
    ): Promise<Worker[]> {
      return importFrom(
        by,
        "importAccountWorkers",
        validateAccountId(deps.settings, accountId),
        region,
        instanceIds,
      );
    },
  };

  async function importFrom(
    by: Requester,
    action: "importWorkers" | "importAccountWorkers",
    accountId: string,
    region: string,
    instanceIds: readonly string[] | null,
  ): Promise<Worker[]> {
    checkText("region", "region", region);
    if (!deps.settings.aws.allowedRegions.includes(region)) {
      throw new ValidationError("region", `${region} is not an allowed region`);
    }
    if (instanceIds !== null) {
      if (instanceIds.length > MAX_INSTANCE_IDS) {
        throw new ValidationError("instanceIds", `at most ${MAX_INSTANCE_IDS} per request`);
      }
      for (const [index, instanceId] of instanceIds.entries()) {
        checkText("instanceId", `instanceIds[${index}]`, instanceId);
      }
    }
    const job = await deps.jobs.enqueue("import", {
      accountId,
      region,
      instanceIds: instanceIds === null ? null : [...new Set(instanceIds)],
      actor: actorOf(by),
    });
    await deps.audit.record(
      successAudit(by, action, { accountId, region, instanceIds, jobId: job.id }, deps.clock.now()),
    );
    const result = await deps.jobs.waitForResult(job.id, deps.importWaitMs);
    return deps.workers.findByIds(importedWorkerIds(result, job.id));
  }
}

export type WorkerImportService = ReturnType<typeof createWorkerImportService>;

/** The import processor returns `{ workerIds: string[] }`: the workers it created or found already adopted. */
function importedWorkerIds(result: unknown, jobId: string): string[] {
  if (typeof result === "object" && result !== null && "workerIds" in result) {
    const { workerIds } = result;
    if (Array.isArray(workerIds) && workerIds.every((id): id is string => typeof id === "string")) {
      return workerIds;
    }
  }
  throw new UpstreamUnavailableError("queue", `import job ${jobId} returned no worker ids`, {
    retryable: false,
  });
}
