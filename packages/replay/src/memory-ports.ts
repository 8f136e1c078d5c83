import type { FleetEvent, NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Schedule } from "@cml-fleet/core/domain/schedule";
import type { CmlLab, Worker } from "@cml-fleet/core/domain/worker";
import { ConcurrentModificationError, ConflictError } from "@cml-fleet/core/errors";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { ScheduleStore, StartHistory } from "@cml-fleet/core/ports/schedule-store.port";
import type {
  TelemetrySample,
  WorkerPage,
  WorkerRepository,
} from "@cml-fleet/core/ports/worker-repository.port";

/** Samples kept per worker: far more than any service looks back over (the idle policy reads 30). */
const KEPT_SAMPLES = 256;

/**
 * The worker repository in memory, optimistic like the Postgres one (a save
 * of a stale version throws). It keeps the events the services write, so the
 * replay can count what the fleet did and why, and the latest samples only.
 */
export class MemoryWorkerRepository implements WorkerRepository {
  private readonly workers = new Map<string, Worker>();
  readonly events: FleetEvent[] = [];
  private telemetry: TelemetrySample[] = [];
  private nextEventId = 1;

  private record(events: readonly NewFleetEvent[]): FleetEvent[] {
    const saved = events.map((event) => ({ ...event, id: `e${this.nextEventId++}` }));
    this.events.push(...saved);
    return saved;
  }

  async findById(id: string) {
    return this.workers.get(id) ?? null;
  }
  async findByIds(ids: readonly string[]) {
    return ids.flatMap((id) => this.workers.get(id) ?? []);
  }
  async findByIdempotencyKey(key: string) {
    return [...this.workers.values()].find((worker) => worker.idempotencyKey === key) ?? null;
  }
  async findByInstanceIds(instanceIds: readonly string[]) {
    return [...this.workers.values()].filter(
      (worker) => worker.instanceId !== null && instanceIds.includes(worker.instanceId),
    );
  }
  async list(_filter: unknown, first: number): Promise<WorkerPage> {
    const workers = [...this.workers.values()];
    return {
      workers: workers.slice(0, first),
      hasNextPage: workers.length > first,
      totalCount: workers.length,
    };
  }
  async listActive() {
    return [...this.workers.values()].filter((worker) => worker.status !== "TERMINATED");
  }
  async insert(worker: Worker, events: readonly NewFleetEvent[]) {
    if (this.workers.has(worker.id)) {
      throw new ConflictError(`worker ${worker.id} exists`);
    }
    const saved = { ...worker, version: 1 };
    this.workers.set(worker.id, saved);
    return { worker: saved, events: this.record(events) };
  }
  async save(worker: Worker, events: readonly NewFleetEvent[]) {
    const stored = this.workers.get(worker.id);
    if (stored === undefined || stored.version !== worker.version) {
      throw new ConcurrentModificationError("worker", worker.id);
    }
    const saved = { ...worker, version: worker.version + 1 };
    this.workers.set(worker.id, saved);
    return { worker: saved, events: this.record(events) };
  }
  async appendEvents(events: readonly NewFleetEvent[]) {
    return this.record(events);
  }
  async listEvents(workerId: string | null, first: number) {
    return this.events
      .filter((event) => workerId === null || event.workerId === workerId)
      .reverse()
      .slice(0, first);
  }
  async saveTelemetry(samples: readonly TelemetrySample[]) {
    this.telemetry.push(...samples);
    if (this.telemetry.length > 2 * KEPT_SAMPLES) {
      this.telemetry = this.telemetry.slice(-KEPT_SAMPLES);
    }
  }
  async recentTelemetry(workerId: string, limit: number) {
    if (limit > KEPT_SAMPLES) {
      throw new Error(`the replay keeps the latest ${KEPT_SAMPLES} samples, not ${limit}`);
    }
    const result: TelemetrySample[] = [];
    for (let index = this.telemetry.length - 1; index >= 0 && result.length < limit; index--) {
      const sample = this.telemetry[index] as TelemetrySample;
      if (sample.workerId === workerId) {
        result.unshift(sample);
      }
    }
    return result;
  }
  async pruneTelemetry(olderThan: Date) {
    const oldest = this.telemetry[0];
    if (oldest === undefined || oldest.sampledAt >= olderThan) {
      return 0;
    }
    const before = this.telemetry.length;
    this.telemetry = this.telemetry.filter((sample) => sample.sampledAt >= olderThan);
    return before - this.telemetry.length;
  }
  async saveLabs(workerId: string, labs: readonly CmlLab[]) {
    const stored = this.workers.get(workerId);
    if (stored !== undefined) {
      this.workers.set(workerId, { ...stored, labs: [...labs] });
    }
  }
}

/** Nobody subscribes to a replay. */
export const silentPublisher: EventPublisher = {
  workerChanged: async () => {},
  fleetEvent: async () => {},
  jobUpdated: async () => {},
};

/**
 * A logger that refuses to be quiet about trouble: in a replay every port is
 * in memory, so a warning (an idle check that failed, a job that threw) means
 * the replay is wrong, and it ends the replay instead of skewing its figures.
 */
export function strictLogger(): Logger {
  const fail = (level: string) => (obj: object, msg?: string) => {
    const err = (obj as { err?: unknown }).err;
    const detail = err instanceof Error ? `: ${err.message}` : "";
    throw new Error(`the replayed fleet logged a ${level}: ${msg ?? "(no message)"}${detail}`);
  };
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: fail("warning"),
    error: fail("error"),
    child: () => logger,
  };
  return logger;
}

/** The schedules of a replay: read-only, as the evaluation and the idle check use them. */
export function memoryScheduleStore(schedules: readonly Schedule[]): Pick<ScheduleStore, "findByIds"> {
  return {
    findByIds: async (ids) => schedules.filter((schedule) => ids.includes(schedule.id)),
  };
}

/** How long a start may have taken to count (the Postgres history's bound too). */
const LONGEST_START_MS = 2 * 3_600_000;

/**
 * The fleet's start history from the replayed worker's own events, with the
 * Postgres repository's rule: each start asked (`worker.operation_requested`,
 * operation start) to the first AVAILABLE after it, with no other operation
 * asked in between; the most recent first.
 */
export function memoryStartHistory(repository: MemoryWorkerRepository): StartHistory {
  return {
    async startDurations(_region, _instanceType, limit) {
      const durations: number[] = [];
      let asked: FleetEvent | null = null;
      for (const event of repository.events) {
        if (event.type === "worker.operation_requested") {
          asked = event.data.operation === "start" ? event : null;
        } else if (
          asked !== null &&
          event.type === "worker.service_status_changed" &&
          event.data.to === "AVAILABLE" &&
          event.at > asked.at
        ) {
          const ms = event.at.getTime() - asked.at.getTime();
          if (ms < LONGEST_START_MS) {
            durations.push(ms);
          }
          asked = null;
        }
      }
      return durations.reverse().slice(0, limit);
    },
  };
}
