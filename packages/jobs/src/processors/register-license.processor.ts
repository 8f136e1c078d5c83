import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function registerLicenseProcessor(services: JobServices): JobDefinition<"register-license"> {
  return {
    kind: "register-license",
    process: async ({ workerId, actor, useConfiguredToken, tokenRef }, { progress }) =>
      workerResult(
        await services.license.register(workerId, actor, { useConfiguredToken, tokenRef }, progress),
      ),
  };
}
