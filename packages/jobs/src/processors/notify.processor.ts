import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

/** One delivery: a non-2xx answer or a timeout throws, and BullMQ retries it with the notify backoff. */
export function notifyProcessor(services: JobServices): JobDefinition<"notify"> {
  return {
    kind: "notify",
    process: async (payload) => ({ outcome: await services.notifications.deliver(payload) }),
    onFinalFailure: (payload, reason) => services.notifications.giveUp(payload, reason),
  };
}
