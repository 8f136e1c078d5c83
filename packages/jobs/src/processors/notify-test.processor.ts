import { describeActor } from "@cml-fleet/core/domain/actor";
import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

/** testNotificationChannel's POST, made here so the API never calls out; a refusal is its answer, not a failure. */
export function notifyTestProcessor(services: JobServices): JobDefinition<"notify-test"> {
  return {
    kind: "notify-test",
    process: (payload) => services.notifications.sendTest(payload.channelId, describeActor(payload.actor)),
  };
}
