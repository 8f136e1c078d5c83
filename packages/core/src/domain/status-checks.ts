import type { Actor } from "./actor";
import type { NewFleetEvent } from "./fleet-event";
import type { TelemetrySnapshot, Worker } from "./worker";
import { workerEvent } from "./worker-changes-common";
import type { ServiceStatus } from "./worker-status";

/** The two EC2 status checks of one look, as EC2 words them (ok, impaired, initializing, ...). */
export interface StatusCheckPair {
  readonly system: string;
  readonly instance: string;
}

/**
 * An impairment episode: it opens with the first look that finds a check
 * impaired and closes only when both checks are ok again (or no longer apply,
 * the instance being stopped). A reboot's `initializing` keeps it open, so one
 * episode asks for at most one reboot however long the instance takes to heal.
 * Kept in the worker's stored telemetry snapshot (JSON), hence instants as ISO text.
 */
export interface ImpairmentEpisode {
  readonly since: string;
  /** Consecutive looks (sweeps) that found a check impaired; an `initializing` look resets it. */
  readonly impairedSweeps: number;
  /** When a reboot was asked for in this episode (null: none yet). */
  readonly rebootRequestedAt: string | null;
  /** When the reboot job rebooted the instance (absent or null: not yet). */
  readonly rebootedAt?: string | null;
  /** Whether a reboot was withheld in this episode (recorded once). */
  readonly rebootWithheld?: boolean;
}

const HEALED: ReadonlySet<string> = new Set(["ok", "not-applicable"]);

export function isImpaired(checks: StatusCheckPair): boolean {
  return checks.system === "impaired" || checks.instance === "impaired";
}

/** The checks a snapshot carries, or null when either is unknown. */
export function checksOf(
  snapshot: Pick<TelemetrySnapshot, "systemStatusCheck" | "instanceStatusCheck"> | null,
): StatusCheckPair | null {
  if (snapshot === null || snapshot.systemStatusCheck === null || snapshot.instanceStatusCheck === null) {
    return null;
  }
  return { system: snapshot.systemStatusCheck, instance: snapshot.instanceStatusCheck };
}

/** "system", "instance" or "system and instance": which checks are impaired. */
export function impairedChecks(checks: StatusCheckPair): string {
  const which = [
    ...(checks.system === "impaired" ? ["system"] : []),
    ...(checks.instance === "impaired" ? ["instance"] : []),
  ];
  return which.join(" and ");
}

export function impairedReason(checks: StatusCheckPair): string {
  return `EC2 ${impairedChecks(checks)} status check impaired`;
}

/**
 * The episode after one look, and the events the look is worth: one
 * `worker.status_check_impaired` when an episode opens, one
 * `worker.status_check_recovered` when it closes; nothing while it lasts.
 * An unknown look (null: EC2 did not answer for the instance) changes nothing.
 */
export function nextImpairment(
  worker: Pick<Worker, "id" | "name">,
  previous: ImpairmentEpisode | null,
  checks: StatusCheckPair | null,
  actor: Actor,
  now: Date,
): { episode: ImpairmentEpisode | null; events: NewFleetEvent[] } {
  if (checks === null) {
    return { episode: previous, events: [] };
  }
  const data = { system: checks.system, instance: checks.instance };
  if (isImpaired(checks)) {
    if (previous === null) {
      const reason = impairedReason(checks);
      return {
        episode: { since: now.toISOString(), impairedSweeps: 1, rebootRequestedAt: null },
        events: [
          workerEvent(worker, "worker.status_check_impaired", `${worker.name}: ${reason}`, {
            actor,
            reason,
            now,
            data,
          }),
        ],
      };
    }
    return { episode: { ...previous, impairedSweeps: previous.impairedSweeps + 1 }, events: [] };
  }
  if (previous === null) {
    return { episode: null, events: [] };
  }
  if (HEALED.has(checks.system) && HEALED.has(checks.instance)) {
    return {
      episode: null,
      events: [
        workerEvent(worker, "worker.status_check_recovered", `${worker.name}: EC2 status checks ok again`, {
          actor,
          reason: null,
          now,
          data: { ...data, impairedSince: previous.since, rebootRequestedAt: previous.rebootRequestedAt },
        }),
      ],
    };
  }
  // initializing / insufficient-data: not impaired now, not healed yet.
  return { episode: { ...previous, impairedSweeps: 0 }, events: [] };
}

/**
 * How an impaired check shows in the worker's service status: a CML that
 * answers on an impaired instance is not trusted to stay up, so an impaired
 * check turns AVAILABLE, STARTING and UNAVAILABLE into ERROR with the check
 * named (the CML's own reason, if any, follows it).
 */
export function withStatusChecks(
  verdict: { status: ServiceStatus; reason: string | null },
  checks: StatusCheckPair | null,
): { status: ServiceStatus; reason: string | null } {
  if (checks === null || !isImpaired(checks)) {
    return verdict;
  }
  const reason = impairedReason(checks);
  return { status: "ERROR", reason: verdict.reason === null ? reason : `${reason}; ${verdict.reason}` };
}
