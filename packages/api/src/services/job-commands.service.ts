import type { JobInfo } from "@cml-fleet/core/domain/job";
import { NotFoundError } from "@cml-fleet/core/errors";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { Principal } from "../auth/principal";
import { type AuditLog, successAudit } from "./audit-log";

export interface JobCommandServiceDeps {
  readonly jobs: Pick<JobQueue, "get" | "retry">;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export function createJobCommandService(deps: JobCommandServiceDeps) {
  return {
    /** Runs a failed job again; CONFLICT when it has not failed, NOT_FOUND when there is no such job. */
    async retryJob(by: Principal, id: string): Promise<JobInfo> {
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
