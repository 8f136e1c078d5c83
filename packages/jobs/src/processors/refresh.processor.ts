import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

export function refreshProcessor(services: JobServices): JobDefinition<"refresh"> {
  return {
    kind: "refresh",
    process: async ({ workerId, actor }, { progress }) =>
      workerResult(await services.lifecycle.refresh(workerId, actor, progress)),
  };
}
