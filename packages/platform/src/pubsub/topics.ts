import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { JobInfo } from "@cml-fleet/core/domain/job";
import type { Worker } from "@cml-fleet/core/domain/worker";

/** Channel names as agreed between the API and the job processes (INTERFACES.md); a key prefix goes in front. */
export const TOPICS = {
  workerChanged: "fleet:worker-changed",
  fleetEvent: "fleet:event",
  jobUpdated: "fleet:job-updated",
} as const;

export type FleetTopicPayloads = {
  [TOPICS.workerChanged]: [Worker];
  [TOPICS.fleetEvent]: [FleetEvent];
  [TOPICS.jobUpdated]: [JobInfo];
};
