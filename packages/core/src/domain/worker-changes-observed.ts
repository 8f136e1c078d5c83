import type { Actor } from "./actor";
import type { LicenseState, Worker } from "./worker";
import { changed, unchanged, type WorkerChange, workerEvent } from "./worker-changes-common";
import type { ServiceStatus, WorkerStatus } from "./worker-status";
import { assertTransition } from "./worker-transitions";

const RUNNING_LIKE: ReadonlySet<WorkerStatus> = new Set(["RUNNING"]);

/**
 * Records a status the cloud reported. Checks the transition table (a
 * TERMINATED worker never comes back); no change and no event when the
 * status is the same. Reaching RUNNING opens a new idle stretch (the snooze
 * window counts from it); leaving RUNNING ends any idle warning and marks the
 * CML service unavailable.
 */
export function applyObservedStatus(
  worker: Worker,
  status: WorkerStatus,
  reason: string | null,
  actor: Actor,
  now: Date,
): WorkerChange {
  if (status === worker.status) {
    return unchanged(worker);
  }
  assertTransition("observe", worker.status, status);
  const started = RUNNING_LIKE.has(status) && !RUNNING_LIKE.has(worker.status);
  const left = RUNNING_LIKE.has(worker.status) && !RUNNING_LIKE.has(status);
  const next: Partial<Worker> = {
    status,
    statusReason: reason,
    statusChangedAt: now,
    ...(status === "TERMINATED" ? { desiredStatus: "TERMINATED" as const } : {}),
    ...(started
      ? { idle: { ...worker.idle, lastStartedAt: now, idleSince: null, warnedAt: null, autoStopAt: null } }
      : {}),
    ...(left
      ? {
          idle: { ...worker.idle, idleSince: null, warnedAt: null, autoStopAt: null },
          serviceStatus: "UNAVAILABLE" as const,
          serviceStatusReason: null,
        }
      : {}),
  };
  const type = status === "TERMINATED" ? "worker.terminated" : "worker.status_changed";
  const event = workerEvent(worker, type, `${worker.name}: ${worker.status} → ${status}`, {
    actor,
    reason,
    now,
    data: { from: worker.status, to: status },
  });
  return changed(worker, next, now, [event]);
}

/**
 * Records the health of the CML service; an event only when it changes.
 * `readyVersion` is the version CML answered with when it said it is ready
 * (the wait after a launch or a start): the worker records it, the event
 * names it ("CML 2.9.0 is ready"), and a new version is news on its own.
 */
export function applyServiceStatus(
  worker: Worker,
  serviceStatus: ServiceStatus,
  reason: string | null,
  actor: Actor,
  now: Date,
  options: { readonly readyVersion?: string } = {},
): WorkerChange {
  const cmlVersion = options.readyVersion ?? worker.cmlVersion;
  if (serviceStatus === worker.serviceStatus && cmlVersion === worker.cmlVersion) {
    // The same state for another reason (another component fails now): the reason moves, without an event.
    return (worker.serviceStatusReason ?? null) === reason
      ? unchanged(worker)
      : changed(worker, { serviceStatusReason: reason }, now, []);
  }
  const what =
    options.readyVersion === undefined
      ? `CML ${serviceStatus.toLowerCase()}`
      : `CML ${options.readyVersion} is ready`;
  const event = workerEvent(worker, "worker.service_status_changed", `${worker.name}: ${what}`, {
    actor,
    reason,
    now,
    data: { from: worker.serviceStatus, to: serviceStatus },
  });
  return changed(worker, { serviceStatus, serviceStatusReason: reason, cmlVersion }, now, [event]);
}

/**
 * Records a license reading. Fresher figures with the same status update the
 * worker without an event, so periodic checks do not flood the event log.
 */
export function applyLicense(
  worker: Worker,
  license: LicenseState,
  actor: Actor,
  now: Date,
  reason: string | null = null,
): WorkerChange {
  const same =
    license.status === worker.license.status &&
    license.nodeLimit === worker.license.nodeLimit &&
    license.nodesInUse === worker.license.nodesInUse &&
    license.checkedAt?.getTime() === worker.license.checkedAt?.getTime();
  if (same) {
    return unchanged(worker);
  }
  if (license.status === worker.license.status) {
    return changed(worker, { license }, now, []);
  }
  const event = workerEvent(
    worker,
    "worker.license_changed",
    `${worker.name}: license ${worker.license.status} -> ${license.status}`,
    { actor, reason, now, data: { from: worker.license.status, to: license.status } },
  );
  return changed(worker, { license }, now, [event]);
}
