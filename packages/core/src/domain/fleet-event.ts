import type { Actor } from "./actor";

export const FLEET_EVENT_TYPES = [
  "worker.created",
  "worker.imported",
  "worker.operation_requested",
  "worker.status_changed",
  "worker.service_status_changed",
  "worker.license_changed",
  "worker.telemetry_updated",
  "worker.idle_warning",
  "worker.idle_warning_cancelled",
  "worker.auto_stopped",
  "worker.auto_stop_skipped",
  "worker.keep_alive",
  "worker.idle_policy_changed",
  "worker.tags_changed",
  "worker.tags_applied",
  "worker.tags_changed_externally",
  /** An ADMIN set or cleared the worker's owner (`data.from`, `data.to`). */
  "worker.owner_changed",
  "worker.failed",
  /** A start, stop or terminate job gave up (its last attempt failed, or it ran past CML_JOB_TIMEOUT). */
  "worker.operation_failed",
  /** The converge sweep queued an accepted operation's job again (`data`: operation, jobId, why, redrives). */
  "worker.operation_redriven",
  /** A queued operation found a later request had changed the desired status, and did nothing (`data`: operation, desiredStatus). */
  "worker.operation_superseded",
  "worker.terminated",
  "worker.certificate_pinned",
  "worker.certificate_mismatch",
  "worker.certificate_trusted",
  "worker.confirmed",
  "worker.lab_stop_requested",
  "worker.labs_stopped",
  "worker.status_check_impaired",
  "worker.status_check_recovered",
  "worker.reboot_requested",
  "worker.reboot_withheld",
  "worker.rebooted",
  /** A snapshot job finished: the EBS snapshot is COMPLETED (`data`: snapshot ids, size) or ERROR (`data.error`). */
  "worker.snapshot_completed",
  "worker.snapshot_failed",
  /** A worker was put on a schedule or taken off one (`data.from`, `data.to`: schedule ids). */
  "worker.schedule_changed",
  /** The worker was started for a window of its schedule (`data`: schedule, window, opensAt, leadSeconds). */
  "worker.schedule_started",
  /** A worker its schedule started was not AVAILABLE when the window opened. */
  "worker.schedule_late",
  /** A schedule was created, changed or deleted (`data.action`, `data.scheduleId`). */
  "fleet.schedule_changed",
  "fleet.orphan_detected",
  /** Reconciliation of one account and region failed after its retries (`data`: accountId, region, attempts, error); once per outage. */
  "fleet.reconciliation_failed",
] as const;
export type FleetEventType = (typeof FLEET_EVENT_TYPES)[number];

/** An append-only record of something that happened to a worker or the fleet. */
export interface FleetEvent {
  readonly id: string;
  readonly type: FleetEventType;
  readonly workerId: string | null;
  readonly at: Date;
  /** One line a person can read in a log pane. */
  readonly message: string;
  /** Why it happened (an operator's reason, or the policy's numbers). */
  readonly reason: string | null;
  readonly actor: Actor;
  /** Structured details (previous and next state, policy inputs, ...). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A fleet event before persistence gives it an id. */
export type NewFleetEvent = Omit<FleetEvent, "id">;
