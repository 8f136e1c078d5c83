import type { Worker } from "@cml-fleet/core/domain/worker";
import { UpstreamUnavailableError, ValidationError } from "@cml-fleet/core/errors";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import { actorOf, type Principal } from "../auth/principal";
import { type AuditLog, successAudit } from "./audit-log";

export interface WorkerImportServiceDeps {
  readonly workers: Pick<WorkerRepository, "findByIds">;
  readonly jobs: Pick<JobQueue, "enqueue" | "waitForResult">;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly settings: Pick<Settings, "aws">;
  /** How long the API waits for the import job before answering UPSTREAM_UNAVAILABLE. */
  readonly importWaitMs: number;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const MAX_INSTANCE_IDS = 1000;

/**
 * Adopts instances that already run in AWS. Only the cloud knows them, and
 * the API never calls the cloud, so it asks the import job and waits for its
 * answer, bounded.
 */
export function createWorkerImportService(deps: WorkerImportServiceDeps) {
  return {
    async importWorkers(
      by: Principal,
      region: string,
      instanceIds: readonly string[] | null,
    ): Promise<Worker[]> {
      if (!deps.settings.aws.allowedRegions.includes(region)) {
        throw new ValidationError("region", `${region} is not an allowed region`);
      }
      if (instanceIds !== null) {
        if (instanceIds.length > MAX_INSTANCE_IDS) {
          throw new ValidationError("instanceIds", `at most ${MAX_INSTANCE_IDS} per request`);
        }
        const bad = instanceIds.find((id) => !INSTANCE_ID.test(id));
        if (bad !== undefined) {
          throw new ValidationError("instanceIds", `${bad} is not an EC2 instance id (i-0123456789abcdef0)`);
        }
      }
      const job = await deps.jobs.enqueue("import", {
        accountId: deps.settings.aws.defaultAccount,
        region,
        instanceIds: instanceIds === null ? null : [...new Set(instanceIds)],
        actor: actorOf(by),
      });
      await deps.audit.record(
        successAudit(by, "importWorkers", { region, instanceIds, jobId: job.id }, deps.clock.now()),
      );
      const result = await deps.jobs.waitForResult(job.id, deps.importWaitMs);
      return deps.workers.findByIds(importedWorkerIds(result, job.id));
    },
  };
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
