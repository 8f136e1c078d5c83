import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function stopProcessor(services: JobServices): JobDefinition<"stop"> {
  return {
    kind: "stop",
    process: async ({ workerId, actor, reason }, { progress }) =>
      workerResult(await services.lifecycle.stop(workerId, actor, reason, progress)),
    onFinalFailure: async ({ workerId, actor }, failure) => {
      await services.lifecycle.recordOperationFailed(workerId, actor, "stop", failure);
    },
  };
}
