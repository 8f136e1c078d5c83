import { systemActor } from "../domain/actor";
import type { JobQueue } from "../ports/job-queue.port";
import type { Logger } from "../ports/logger.port";
import type { WorkerRepository } from "../ports/worker-repository.port";

export interface LicenseCheckAtStartDeps {
  readonly workers: Pick<WorkerRepository, "listActive">;
  readonly jobs: Pick<JobQueue, "enqueue">;
  readonly logger: Logger;
}

/**
 * CML_LICENSE_CHECK_ON_STARTUP: when a job process starts, every running
 * worker gets one refresh job, which reads its license (and the rest of its
 * state) from its CML. A license that lapsed or was registered while no job
 * process ran then shows at once instead of at the next telemetry sweep.
 * Several job processes starting together join the same job per worker.
 * Returns how many workers were asked about.
 */
export async function checkLicensesAtStart(deps: LicenseCheckAtStartDeps): Promise<number> {
  const running = (await deps.workers.listActive()).filter((worker) => worker.status === "RUNNING");
  const actor = systemActor("licensing");
  for (const worker of running) {
    await deps.jobs.enqueue("refresh", { workerId: worker.id, actor });
  }
  if (running.length > 0) {
    deps.logger.info(
      { workers: running.length },
      "license check at start: a refresh queued per running worker",
    );
  }
  return running.length;
}
