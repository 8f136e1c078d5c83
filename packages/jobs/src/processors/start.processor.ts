import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

/** One step per run, like a provision: the job hands its slot back while the instance boots and CML gets ready. */
export function startProcessor(services: JobServices): JobDefinition<"start"> {
  return {
    kind: "start",
    process: async ({ workerId, actor }, { progress, waited, waitAgain }) => {
      const step = await services.lifecycle.startStep(workerId, actor, progress, waited);
      return step.kind === "done" ? workerResult(step.worker) : waitAgain(step.delayMs, step.progress);
    },
    onFinalFailure: async ({ workerId, actor }, failure) => {
      await services.lifecycle.recordOperationFailed(workerId, actor, "start", failure);
    },
  };
}
