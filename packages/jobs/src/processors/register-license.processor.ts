import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function registerLicenseProcessor(services: JobServices): JobDefinition<"register-license"> {
  return {
    kind: "register-license",
    process: async ({ workerId, actor, useConfiguredToken, tokenRef }, { progress }) =>
      workerResult(
        await services.license.register(workerId, actor, { useConfiguredToken, tokenRef }, progress),
      ),
    // A handed-over token is kept across attempts (a transient CML failure is retried with it) and goes after the last.
    onFinalFailure: ({ tokenRef }) => services.license.giveUp({ tokenRef }),
  };
}
