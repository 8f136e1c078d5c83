import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { FleetPubSub } from "./fleet-pubsub";
import { TOPICS } from "./topics";

/**
 * The EventPublisher port over the shared Redis stream; the job processes use
 * it too. Redis PUBLISH is fire-and-forget here: a missed live notification
 * is repaired by the next change, and the database stays the source of truth.
 */
export function createRedisEventPublisher(pubsub: FleetPubSub): EventPublisher {
  return {
    async workerChanged(worker) {
      pubsub.publish(TOPICS.workerChanged, worker);
    },
    async fleetEvent(event) {
      pubsub.publish(TOPICS.fleetEvent, event);
    },
    async jobUpdated(job) {
      pubsub.publish(TOPICS.jobUpdated, job);
    },
  };
}
