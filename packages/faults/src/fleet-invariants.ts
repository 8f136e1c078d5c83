import type { WorkerSummary, WorkerView } from "./graphql-client";
import type { SimInstance } from "./simulator-process";

/** The tag the fleet puts on every instance it launches, naming the worker. */
export const WORKER_ID_TAG = "cml-fleet:worker-id";

/** What a user asked of a worker: the status it must reach, and whether its license must be registered. */
export interface Intent {
  readonly status: "RUNNING" | "STOPPED" | "TERMINATED";
  readonly licensed?: boolean;
}

/** Whether the worker reached the intent; else what is missing, in words. */
export function intentGap(worker: WorkerView | null, intent: Intent): string | null {
  if (worker === null) {
    return intent.status === "TERMINATED" ? null : "the worker is gone";
  }
  const seen = `status ${worker.status}, desired ${worker.desiredStatus}, service ${worker.serviceStatus}, license ${worker.license.status}${worker.statusReason === null ? "" : ` (${worker.statusReason})`}`;
  if (worker.status !== intent.status) {
    return seen;
  }
  if (intent.status === "RUNNING" && worker.serviceStatus !== "AVAILABLE") {
    return seen;
  }
  if (intent.licensed === true && worker.license.status !== "REGISTERED") {
    return seen;
  }
  return null;
}

/** What the cloud holds against what the fleet knows. */
export interface InstanceAudit {
  /** Live workers (not TERMINATED) with other than exactly one instance that is not terminated. */
  readonly notOneInstance: readonly string[];
  /** Workers with more than one instance in any state (a second launch for the same worker). */
  readonly duplicates: readonly string[];
  /** Instances not terminated that no live worker knows (by the worker's instanceId). */
  readonly orphans: readonly string[];
}

const gone = (instance: SimInstance) => instance.state === "terminated" || instance.state === "shutting-down";

/**
 * Exactly one instance per live worker (found by the worker-id tag), no worker with two launches, and no
 * instance still up that no live worker knows.
 */
export function auditInstances(
  workers: readonly WorkerSummary[],
  instances: readonly SimInstance[],
): InstanceAudit {
  const byWorker = new Map<string, SimInstance[]>();
  for (const instance of instances) {
    const workerId = instance.tags[WORKER_ID_TAG];
    if (workerId !== undefined) {
      byWorker.set(workerId, [...(byWorker.get(workerId) ?? []), instance]);
    }
  }
  const live = workers.filter((worker) => worker.status !== "TERMINATED");
  const known = new Set(live.map((worker) => worker.instanceId).filter((id): id is string => id !== null));
  return {
    notOneInstance: live
      .filter((worker) => (byWorker.get(worker.id) ?? []).filter((instance) => !gone(instance)).length !== 1)
      .map(
        (worker) =>
          `${worker.name} (${worker.status}): ${(byWorker.get(worker.id) ?? []).map((i) => `${i.instanceId}=${i.state}`).join(", ") || "no instance"}`,
      ),
    duplicates: workers
      .filter((worker) => (byWorker.get(worker.id) ?? []).length > 1)
      .map(
        (worker) =>
          `${worker.name}: ${(byWorker.get(worker.id) ?? []).map((i) => `${i.instanceId}=${i.state}`).join(", ")}`,
      ),
    orphans: instances
      .filter((instance) => !gone(instance) && !known.has(instance.instanceId))
      .map(
        (instance) =>
          `${instance.instanceId}=${instance.state} tagged ${instance.tags[WORKER_ID_TAG] ?? "-"}`,
      ),
  };
}

/** The audit's findings in words, empty when it holds. */
export function auditProblems(audit: InstanceAudit): string[] {
  return [
    ...audit.notOneInstance.map((entry) => `not exactly one instance: ${entry}`),
    ...audit.duplicates.map((entry) => `duplicate instances: ${entry}`),
    ...audit.orphans.map((entry) => `orphan instance: ${entry}`),
  ];
}
