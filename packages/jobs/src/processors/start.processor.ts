import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function startProcessor(services: JobServices): JobDefinition<"start"> {
  return {
    kind: "start",
    process: async ({ workerId, actor }, { progress }) =>
      workerResult(await services.lifecycle.start(workerId, actor, progress)),
    onFinalFailure: async ({ workerId, actor }, failure) => {
      await services.lifecycle.recordOperationFailed(workerId, actor, "start", failure);
    },
  };
}
