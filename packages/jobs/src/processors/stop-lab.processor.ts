import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

/** stopLab: one lab of one worker, through its CML (the runtime holds the worker's lock). */
export function stopLabProcessor(services: JobServices): JobDefinition<"stop-lab"> {
  return {
    kind: "stop-lab",
    process: ({ workerId, labId, actor }) => services.labs.stop(workerId, labId, actor),
  };
}
