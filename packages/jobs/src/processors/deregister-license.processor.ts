import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function deregisterLicenseProcessor(services: JobServices): JobDefinition<"deregister-license"> {
  return {
    kind: "deregister-license",
    process: async ({ workerId, actor }, { progress }) =>
      workerResult(await services.license.deregister(workerId, actor, progress)),
  };
}
