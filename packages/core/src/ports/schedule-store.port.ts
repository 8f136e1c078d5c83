import type { FleetEvent, NewFleetEvent } from "../domain/fleet-event";
import type { Schedule, ScheduleSpec } from "../domain/schedule";
import type { AuditEntry } from "./worker-repository.port";

/** A schedule's changes, with the event and audit entry saved in the same transaction. */
export interface ScheduleWrite {
  readonly events: readonly NewFleetEvent[];
  readonly audit: readonly AuditEntry[];
}

/**
 * Where schedules are kept. Names are unique (a second one is a CONFLICT).
 * Workers point at a schedule by `Worker.scheduleId`; a schedule with
 * workers on it is not deleted (a CONFLICT saying how many).
 */
export interface ScheduleStore {
  /** By name. */
  list(): Promise<Schedule[]>;
  findById(id: string): Promise<Schedule | null>;
  findByIds(ids: readonly string[]): Promise<Schedule[]>;
  create(schedule: Schedule, write: ScheduleWrite): Promise<{ schedule: Schedule; events: FleetEvent[] }>;
  /** Null when there is no such schedule. */
  update(
    id: string,
    change: { readonly name: string; readonly spec: ScheduleSpec },
    write: ScheduleWrite,
  ): Promise<{ schedule: Schedule; events: FleetEvent[] } | null>;
  /** False when there is no such schedule. */
  delete(id: string, write: ScheduleWrite): Promise<{ deleted: boolean; events: FleetEvent[] }>;
  /** The ids of the workers (not terminated) on each of these schedules. */
  workerIdsOf(scheduleIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
}

/** The fleet's own history of starts: how long each took from the start asked to AVAILABLE. */
export interface StartHistory {
  /** The most recent `limit` durations (ms) of starts of workers of this region and instance type. */
  startDurations(region: string, instanceType: string, limit: number): Promise<number[]>;
}
