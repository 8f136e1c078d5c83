import type { JobInfo } from "../domain/job";
import type { Requester } from "../domain/requester";
import { NotFoundError } from "../errors";
import type { AuditLog } from "../ports/audit-log.port";
import type { Clock } from "../ports/clock.port";
import type { JobQueue } from "../ports/job-queue.port";
import { successAudit } from "./request-audit";

export interface JobCommandServiceDeps {
  readonly jobs: Pick<JobQueue, "get" | "retry">;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** A person's requests about jobs themselves, rather than about a worker. */
export function createJobCommandService(deps: JobCommandServiceDeps) {
  return {
    /** Runs a failed job again; CONFLICT when it has not failed, NOT_FOUND when there is no such job. */
    async retryJob(by: Requester, id: string): Promise<JobInfo> {
      if ((await deps.jobs.get(id)) === null) {
        throw new NotFoundError("job", id);
      }
      const job = await deps.jobs.retry(id);
      await deps.audit.record(successAudit(by, "retryJob", { id }, deps.clock.now()));
      return job;
    },
  };
}

export type JobCommandService = ReturnType<typeof createJobCommandService>;
