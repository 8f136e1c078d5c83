import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function terminateProcessor(services: JobServices): JobDefinition<"terminate"> {
  return {
    kind: "terminate",
    process: async ({ workerId, actor, force }, { progress }) =>
      workerResult(await services.lifecycle.terminate(workerId, actor, force, progress)),
    onFinalFailure: async ({ workerId, actor }, failure) => {
      await services.lifecycle.recordOperationFailed(workerId, actor, "terminate", failure);
    },
  };
}
