import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function provisionProcessor(services: JobServices): JobDefinition<"provision"> {
  return {
    kind: "provision",
    process: async ({ workerId, actor }, { progress }) =>
      workerResult(await services.provisioning.provision(workerId, actor, progress)),
    onFinalFailure: async ({ workerId, actor }, reason) => {
      await services.provisioning.failProvisioning(workerId, actor, reason);
    },
  };
}
