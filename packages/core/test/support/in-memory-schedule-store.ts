import type { FleetEvent } from "../../src/domain/fleet-event";
import type { Schedule } from "../../src/domain/schedule";
import type { MemoryWorkerRepository } from "../../src/memory/memory-worker-repository";
import type { ScheduleStore, ScheduleWrite, StartHistory } from "../../src/ports/schedule-store.port";

/** ScheduleStore in memory, sharing the worker repository's events (as the real one shares the table). */
export class InMemoryScheduleStore implements ScheduleStore {
  readonly schedules = new Map<string, Schedule>();

  constructor(private readonly workers: MemoryWorkerRepository) {}

  private async record(write: ScheduleWrite): Promise<FleetEvent[]> {
    this.workers.audit.push(...write.audit);
    return this.workers.appendEvents(write.events);
  }

  async list() {
    return [...this.schedules.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  async findById(id: string) {
    return this.schedules.get(id) ?? null;
  }
  async findByIds(ids: readonly string[]) {
    return ids.flatMap((id) => this.schedules.get(id) ?? []);
  }
  async create(schedule: Schedule, write: ScheduleWrite) {
    this.schedules.set(schedule.id, schedule);
    return { schedule, events: await this.record(write) };
  }
  async update(
    id: string,
    change: Pick<Schedule, "name"> & { spec: Omit<Schedule, "id" | "name"> },
    write: ScheduleWrite,
  ) {
    if (!this.schedules.has(id)) {
      return null;
    }
    const schedule: Schedule = { id, name: change.name, ...change.spec };
    this.schedules.set(id, schedule);
    return { schedule, events: await this.record(write) };
  }
  async delete(id: string, write: ScheduleWrite) {
    const deleted = this.schedules.delete(id);
    return { deleted, events: deleted ? await this.record(write) : [] };
  }
  async workerIdsOf(scheduleIds: readonly string[]) {
    const all = await this.workers.listActive();
    return new Map(
      scheduleIds.map((id) => [
        id,
        all.filter((worker) => worker.scheduleId === id).map((worker) => worker.id),
      ]),
    );
  }
}

/** A start history of given durations (ms), the same for every region and instance type. */
export function fixedStartHistory(durationsMs: readonly number[]): StartHistory {
  return { startDurations: async (_region, _type, limit) => durationsMs.slice(0, limit) };
}
