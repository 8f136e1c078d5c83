import type { FleetEvent } from "../domain/fleet-event";
import type { JobInfo } from "../domain/job";
import type { Worker } from "../domain/worker";

/**
 * Live notifications for subscribers (any number of API replicas share them
 * through Redis). A worker payload is the whole current worker.
 */
export interface EventPublisher {
  workerChanged(worker: Worker): Promise<void>;
  fleetEvent(event: FleetEvent): Promise<void>;
  jobUpdated(job: JobInfo): Promise<void>;
}
