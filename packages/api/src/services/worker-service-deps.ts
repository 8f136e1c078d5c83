import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import type { UpdateWorkerDeps } from "@cml-fleet/core/services/worker-writer";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";

export interface WorkerServiceDeps {
  readonly workers: Pick<
    WorkerRepository,
    "findById" | "findByIds" | "findByIdempotencyKey" | "insert" | "save"
  >;
  readonly jobs: JobQueue;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly settings: Settings;
  /** Where a failed publish is reported (the saved state stays the truth). */
  readonly logger: Logger;
}

/** What a service that only changes workers needs. */
export type WorkerWritingDeps = Pick<WorkerServiceDeps, "workers" | "publisher" | "clock" | "logger">;

/** The API's side of the one worker write path (core's `updateWorker`). */
export function writerDeps(deps: WorkerWritingDeps): UpdateWorkerDeps {
  return {
    workers: deps.workers,
    publisher: deps.publisher,
    clock: deps.clock,
    logger: deps.logger,
  };
}
