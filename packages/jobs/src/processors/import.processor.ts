import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

/** The API waits for this job's result: the ids of the workers the instances now belong to. */
export function importProcessor(services: JobServices): JobDefinition<"import"> {
  return {
    kind: "import",
    process: async ({ accountId, region, instanceIds, actor }, { progress }) => {
      await progress.report(0.1, "describing instances");
      const workers = await services.reconciliation.importWorkers({ accountId, region }, instanceIds, actor);
      await progress.report(1, "imported");
      return { workerIds: workers.map((worker) => worker.id) };
    },
  };
}
