import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

/** stopAllLabs: every started lab of one worker, through its CML (the runtime holds the worker's lock). */
export function stopAllLabsProcessor(services: JobServices): JobDefinition<"stop-all-labs"> {
  return {
    kind: "stop-all-labs",
    process: ({ workerId, actor }) => services.labs.stop(workerId, null, actor),
  };
}
