import type { Clock } from "../ports/clock.port";
import type { EventPublisher } from "../ports/event-publisher.port";
import type { JobQueue } from "../ports/job-queue.port";
import type { Logger } from "../ports/logger.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import type { Settings } from "../settings/settings.schema";
import type { UpdateWorkerDeps } from "./worker-writer";

/** What the services that carry out a person's request on a worker need. */
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

/** Only what `updateWorker` uses, so a wider deps object is not passed down whole. */
export function writerDeps(deps: WorkerWritingDeps): UpdateWorkerDeps {
  return {
    workers: deps.workers,
    publisher: deps.publisher,
    clock: deps.clock,
    logger: deps.logger,
  };
}
