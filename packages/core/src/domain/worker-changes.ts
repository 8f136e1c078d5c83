import { type Actor, describeActor } from "./actor";
import type { LaunchSnapshot } from "./snapshot";
import {
  DEFAULT_WORKER_IDLE_POLICY,
  FIRST_USE_TRUST,
  NO_IDLE_TRACKING,
  type Tags,
  UNKNOWN_LICENSE,
  type Worker,
} from "./worker";
import { changed, unchanged, type WorkerChange, workerEvent } from "./worker-changes-common";
import { NO_TAG_SYNC } from "./worker-tags";
import type { OperationPlan, WorkerOperation } from "./worker-transitions";

/** The configured image of a region (`Settings["worker"]["images"][region]` satisfies it). */
export interface WorkerImageChoice {
  readonly amiId: string | null;
  readonly amiName: string | null;
  readonly cmlVersion: string | null;
}

export interface NewWorkerRequest {
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly instanceType: string;
  readonly image: WorkerImageChoice;
  /** An explicit AMI, else the region's image. An empty id means provisioning looks the AMI up by name. */
  readonly amiId: string | null;
  readonly tags: Tags;
  readonly idempotencyKey: string | null;
  readonly createdBy: string | null;
  /** Who owns it (see Worker.owner); absent: nobody. */
  readonly owner?: string | null;
  readonly actor: Actor;
  readonly reason?: string | null;
  readonly now: Date;
  /** The snapshot its root volume is restored from (the labs with it); absent: the image's own volume. */
  readonly launchSnapshot?: LaunchSnapshot | null;
  /** The schedule the worker follows from the start; null or absent: none. */
  readonly scheduleId?: string | null;
}

/** A worker wanted RUNNING that has no instance yet; provisioning takes it from here. */
export function createWorker(request: NewWorkerRequest): WorkerChange {
  const { now } = request;
  const explicitAmi = request.amiId !== null;
  const worker: Worker = {
    id: request.id,
    name: request.name,
    accountId: request.accountId,
    region: request.region,
    instanceType: request.instanceType,
    amiId: request.amiId ?? request.image.amiId ?? "",
    amiName: explicitAmi ? null : request.image.amiName,
    cmlVersion: explicitAmi ? null : request.image.cmlVersion,
    instanceId: null,
    publicIp: null,
    privateIp: null,
    endpoint: null,
    status: "PENDING",
    desiredStatus: "RUNNING",
    serviceStatus: "UNKNOWN",
    serviceStatusReason: null,
    statusReason: "waiting for provisioning",
    statusChangedAt: now,
    license: UNKNOWN_LICENSE,
    telemetry: null,
    labs: [],
    idle: NO_IDLE_TRACKING,
    idlePolicy: DEFAULT_WORKER_IDLE_POLICY,
    tags: request.tags,
    // The launch carries the tags: nothing waits to be applied.
    tagSync: NO_TAG_SYNC,
    createdBy: request.createdBy,
    owner: request.owner ?? null,
    // On the schedule createWorker named (checked to exist), else none until setWorkerSchedule.
    scheduleId: request.scheduleId ?? null,
    scheduleState: null,
    // The fleet launches it itself: confirmed, and its certificate pinned on the first contact.
    cmlTrust: FIRST_USE_TRUST,
    idempotencyKey: request.idempotencyKey,
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
  const event = workerEvent(
    worker,
    "worker.created",
    `${worker.name}: ${describeActor(request.actor)} requested a ${worker.instanceType} worker in ${worker.region}`,
    {
      actor: request.actor,
      reason: request.reason ?? null,
      now,
      data: {
        region: worker.region,
        instanceType: worker.instanceType,
        amiId: worker.amiId,
        // Provisioning reads it back from here: written in the worker's own transaction.
        ...(request.launchSnapshot ? { launchSnapshot: request.launchSnapshot } : {}),
        ...(request.scheduleId ? { scheduleId: request.scheduleId } : {}),
      },
    },
  );
  return { worker, events: [event] };
}

/**
 * Records an accepted operation: the desired status it aims at and an
 * `operation_requested` event. `status` is left to the job, which records
 * what the cloud reports. A `join` plan changes nothing: the work is under way.
 */
export function recordOperationRequested(
  worker: Worker,
  operation: WorkerOperation,
  plan: OperationPlan,
  actor: Actor,
  reason: string | null,
  now: Date,
  details: Readonly<Record<string, unknown>> = {},
): WorkerChange {
  if (plan.kind === "join") {
    return unchanged(worker);
  }
  const event = workerEvent(
    worker,
    "worker.operation_requested",
    `${worker.name}: ${describeActor(actor)} asked to ${operation}`,
    {
      actor,
      reason,
      now,
      data: { ...details, operation, from: worker.status, desired: plan.desired, next: plan.next },
    },
  );
  return changed(worker, { desiredStatus: plan.desired ?? worker.desiredStatus }, now, [event]);
}

/** Replaces the worker's tags; the event lists what was added, changed and removed. */
/** Gives the worker to `owner` (null: nobody); one `worker.owner_changed` event saying from whom to whom. */
export function setOwner(worker: Worker, owner: string | null, actor: Actor, now: Date): WorkerChange {
  const from = worker.owner ?? null;
  if (from === owner) {
    return unchanged(worker);
  }
  const event = workerEvent(
    worker,
    "worker.owner_changed",
    owner === null ? `${worker.name}: owner ${from} removed` : `${worker.name}: now owned by ${owner}`,
    { actor, reason: null, now, data: { from, to: owner } },
  );
  return changed(worker, { owner }, now, [event]);
}

export function setTags(worker: Worker, tags: Tags, actor: Actor, now: Date): WorkerChange {
  const set = Object.entries(tags).filter(([key, value]) => worker.tags[key] !== value);
  const removed = Object.keys(worker.tags).filter((key) => !Object.hasOwn(tags, key));
  if (set.length === 0 && removed.length === 0) {
    return unchanged(worker);
  }
  const event = workerEvent(
    worker,
    "worker.tags_changed",
    `${worker.name}: tags changed (${set.length} set, ${removed.length} removed)`,
    {
      actor,
      reason: null,
      now,
      data: { set: Object.fromEntries(set), removed },
    },
  );
  return changed(worker, { tags: { ...tags } }, now, [event]);
}
