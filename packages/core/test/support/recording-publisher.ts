import type { FleetEvent } from "../../src/domain/fleet-event";
import type { JobInfo } from "../../src/domain/job";
import type { Worker } from "../../src/domain/worker";
import type { EventPublisher } from "../../src/ports/event-publisher.port";

export class RecordingPublisher implements EventPublisher {
  readonly workers: Worker[] = [];
  readonly events: FleetEvent[] = [];
  readonly jobs: JobInfo[] = [];
  async workerChanged(worker: Worker) {
    this.workers.push(worker);
  }
  async fleetEvent(event: FleetEvent) {
    this.events.push(event);
  }
  async jobUpdated(job: JobInfo) {
    this.jobs.push(job);
  }
}
