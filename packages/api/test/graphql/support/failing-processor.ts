import type { JobKind } from "@cml-fleet/core/domain/job";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { type Job, Worker as QueueWorker } from "bullmq";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "../../../../platform/test/support/test-redis";
import type { TestFleet } from "./test-fleet";

/** One run of a job as the stand-in saw it: which job, and the data it was given. */
export interface JobRun {
  readonly kind: JobKind;
  readonly id: string;
  readonly data: unknown;
}

/**
 * Stands in for the jobs package's processors of some kinds (that package
 * depends on this one): every run is recorded with the data it was given,
 * then fails, so that failed jobs exist to be retried.
 */
export function startFailingProcessor(
  fleet: TestFleet,
  kinds: readonly JobKind[],
): { readonly runs: JobRun[]; close(): Promise<void> } {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const runs: JobRun[] = [];
  const processors = kinds.map((kind) => {
    const processor = new QueueWorker(
      queueName(kind),
      async (job: Job) => {
        runs.push({ kind, id: job.id ?? "", data: job.data });
        throw new Error(`the ${kind} stand-in always fails`);
      },
      { connection, prefix: fleet.settings.redis.keyPrefix },
    );
    processor.on("error", () => undefined);
    return processor;
  });
  return {
    runs,
    async close() {
      await Promise.all(processors.map((processor) => processor.close()));
      await connection.quit();
    },
  };
}
