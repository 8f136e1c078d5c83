import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

/**
 * One step per run: the job hands its slot back while it waits for a
 * RunInstances token, the boot or CML (README, "Provisioning in steps").
 */
export function provisionProcessor(services: JobServices): JobDefinition<"provision"> {
  return {
    kind: "provision",
    process: async ({ workerId, actor }, { progress, waited, waitAgain }) => {
      const step = await services.provisioning.provisionStep(workerId, actor, progress, waited);
      return step.kind === "done" ? workerResult(step.worker) : waitAgain(step.delayMs, step.progress);
    },
    onFinalFailure: async ({ workerId, actor }, reason) => {
      await services.provisioning.failProvisioning(workerId, actor, reason);
    },
  };
}
