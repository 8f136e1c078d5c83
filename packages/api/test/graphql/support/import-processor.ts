import { randomUUID } from "node:crypto";
import type { JobPayloads } from "@cml-fleet/core/domain/job";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { type Job, Worker as QueueWorker } from "bullmq";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "../../../../platform/test/support/test-redis";
import { aWorker } from "../../support/worker-factory";
import type { TestFleet } from "./test-fleet";

/** An instance id this stand-in refuses, so that a failed import job can be produced. */
export const FAILING_INSTANCE_ID = "i-0badbadbadbadbad0";
/** A region this stand-in answers slowly in, so that the API's bounded wait can run out. */
export const SLOW_REGION = "us-west-2";

/**
 * Stands in for the jobs package's import processor (that package depends on
 * this one, not the other way round): adopts each instance id as a worker and
 * returns `{ workerIds }`, the result the API waits for.
 */
export function startImportProcessor(fleet: TestFleet): { close(): Promise<void> } {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const { workers } = fleet;
  const processor = new QueueWorker(
    queueName("import"),
    async (job: Job<JobPayloads["import"]>) => {
      const ids = job.data.instanceIds ?? [];
      if (ids.includes(FAILING_INSTANCE_ID)) {
        throw new Error(`${FAILING_INSTANCE_ID} does not exist`);
      }
      if (job.data.region === SLOW_REGION) {
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      }
      const adopted = await workers.findByInstanceIds(ids);
      const known = new Set(adopted.map((worker) => worker.instanceId));
      const created: string[] = [];
      for (const instanceId of ids.filter((id) => !known.has(id))) {
        const worker = aWorker({
          id: randomUUID(),
          name: `imported-${instanceId}`,
          instanceId,
          region: job.data.region,
          status: "RUNNING",
        });
        await workers.insert(worker, []);
        created.push(worker.id);
      }
      return { workerIds: [...adopted.map((worker) => worker.id), ...created] };
    },
    { connection, prefix: fleet.settings.redis.keyPrefix },
  );
  processor.on("error", () => undefined);
  return {
    async close() {
      await processor.close();
      await connection.quit();
    },
  };
}
