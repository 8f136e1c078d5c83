import type { Actor } from "../domain/actor";
import { describeActor } from "../domain/actor";
import type { Worker } from "../domain/worker";

/** Tag keys the fleet writes on its instances (see INTERFACES.md, "Fleet tag"). */
export const FLEET_TAGS = {
  managed: "cml-fleet:managed",
  workerId: "cml-fleet:worker-id",
  createdBy: "cml-fleet:created-by",
  lastAction: "cml-fleet:last-action",
  lastActionReason: "cml-fleet:last-action-reason",
  lastActionAt: "cml-fleet:last-action-at",
} as const;

/** EC2 allows 256 characters in a tag value. */
const MAX_TAG_VALUE = 256;

/** Tags a launched instance carries: the worker's own tags under the fleet's markers. */
export function launchTags(worker: Worker): Record<string, string> {
  return {
    ...worker.tags,
    Name: worker.name,
    [FLEET_TAGS.managed]: "true",
    [FLEET_TAGS.workerId]: worker.id,
    [FLEET_TAGS.createdBy]: worker.createdBy ?? "unknown",
  };
}

/** Tags recording who did what to an instance last, readable in the AWS console. */
export function lastActionTags(
  action: string,
  actor: Actor,
  reason: string | null,
  at: Date,
): Record<string, string> {
  const text = reason === null ? describeActor(actor) : `${describeActor(actor)}: ${reason}`;
  return {
    [FLEET_TAGS.lastAction]: action,
    [FLEET_TAGS.lastActionReason]: text.slice(0, MAX_TAG_VALUE),
    [FLEET_TAGS.lastActionAt]: at.toISOString(),
  };
}
