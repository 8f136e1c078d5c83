import type { Worker } from "../domain/worker";
import type { CloudInstance, CloudTarget } from "../ports/cloud-provider.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { FLEET_TAGS } from "./fleet-tags";

/**
 * The live workers that instances' `cml-fleet:worker-id` tags name, by
 * instance id. Such an instance belongs to that worker (a launch whose
 * instance id was never saved, or a second launch of it): it is reported,
 * never imported as a new worker. A tag naming a TERMINATED or unknown worker
 * claims nothing (the instance outlived its worker and may be imported).
 */
export async function claimedByTag(
  workers: Pick<WorkerRepository, "findByIds">,
  instances: readonly CloudInstance[],
): Promise<Map<string, Worker>> {
  const named = instances.flatMap((instance) => {
    const workerId = instance.tags[FLEET_TAGS.workerId];
    return workerId === undefined ? [] : [{ instanceId: instance.instanceId, workerId }];
  });
  if (named.length === 0) {
    return new Map();
  }
  const live = new Map(
    (await workers.findByIds([...new Set(named.map((entry) => entry.workerId))]))
      .filter((worker) => worker.status !== "TERMINATED")
      .map((worker) => [worker.id, worker]),
  );
  return new Map(
    named.flatMap(({ instanceId, workerId }) => {
      const worker = live.get(workerId);
      return worker === undefined ? [] : [[instanceId, worker] as const];
    }),
  );
}

/** What the orphan report says: who the instance claims to belong to, when its tag names a live worker. */
export function orphanMessage(
  instance: CloudInstance,
  target: CloudTarget,
  owner: Worker | undefined,
): string {
  return owner === undefined
    ? `instance ${instance.instanceId} in ${target.region} carries the fleet tag but no worker knows it`
    : `instance ${instance.instanceId} in ${target.region} is tagged as worker ${owner.id} (${owner.name}, ${owner.status}), which does not know it; it is not imported as a new worker`;
}
