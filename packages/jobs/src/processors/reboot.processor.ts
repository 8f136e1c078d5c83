import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

/** Reboots an impaired worker's instance (the status-check policy asked); holds the worker's lock like any lifecycle job. */
export function rebootProcessor(services: JobServices): JobDefinition<"reboot"> {
  return {
    kind: "reboot",
    process: async ({ workerId, reason, impairedSince }) =>
      workerResult(await services.impairedReboot.reboot(workerId, reason, impairedSince)),
  };
}
