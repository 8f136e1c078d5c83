import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function stopProcessor(services: JobServices): JobDefinition<"stop"> {
  return {
    kind: "stop",
    process: async ({ workerId, actor, reason, decidedBy }, { progress }) => {
      if (decidedBy !== undefined && decidedBy !== null) {
        // A policy's stop: decided again here, under the lock, right before stopping.
        const verdict = await services.idle.reconfirmStop(workerId, decidedBy);
        if (!verdict.proceed) {
          return { ...workerResult(verdict.worker), calledOff: true };
        }
      }
      return workerResult(await services.lifecycle.stop(workerId, actor, reason, progress));
    },
    onFinalFailure: async ({ workerId, actor }, failure) => {
      await services.lifecycle.recordOperationFailed(workerId, actor, "stop", failure);
    },
  };
}
