import type { FleetEvent, NewFleetEvent } from "../../src/domain/fleet-event";
import type { CmlLab, Worker } from "../../src/domain/worker";
import { ConcurrentModificationError, ConflictError } from "../../src/errors";
import type {
  AuditEntry,
  TelemetrySample,
  WorkerFilter,
  WorkerPage,
  WorkerRepository,
  WorkerWriteOptions,
} from "../../src/ports/worker-repository.port";

/** WorkerRepository in memory, optimistic like the real one. */
export class InMemoryWorkerRepository implements WorkerRepository {
  readonly workers = new Map<string, Worker>();
  readonly events: FleetEvent[] = [];
  readonly telemetry: TelemetrySample[] = [];
  /** Audit entries saved with worker changes, as the real repository writes them in the change's transaction. */
  readonly audit: AuditEntry[] = [];
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
  async list(_filter: WorkerFilter, first: number): Promise<WorkerPage> {
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
  async insert(worker: Worker, events: readonly NewFleetEvent[], options: WorkerWriteOptions = {}) {
    if (this.workers.has(worker.id)) {
      throw new ConflictError(`worker ${worker.id} exists`);
    }
    const saved = { ...worker, version: 1 };
    this.workers.set(worker.id, saved);
    this.audit.push(...(options.audit ?? []));
    return { worker: saved, events: this.record(events) };
  }
  async save(worker: Worker, events: readonly NewFleetEvent[], options: WorkerWriteOptions = {}) {
    const stored = this.workers.get(worker.id);
    if (stored === undefined || stored.version !== worker.version) {
      throw new ConcurrentModificationError("worker", worker.id);
    }
    const saved = { ...worker, version: worker.version + 1 };
    this.workers.set(worker.id, saved);
    this.audit.push(...(options.audit ?? []));
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
  async pruneTelemetry(olderThan: Date) {
    const kept = this.telemetry.filter((sample) => sample.sampledAt >= olderThan);
    const pruned = this.telemetry.length - kept.length;
    this.telemetry.splice(0, this.telemetry.length, ...kept);
    return pruned;
  }

  async saveTelemetry(samples: readonly TelemetrySample[]) {
    this.telemetry.push(...samples);
  }
  async recentTelemetry(workerId: string, limit: number) {
    return this.telemetry.filter((sample) => sample.workerId === workerId).slice(-limit);
  }
  async saveLabs(workerId: string, labs: readonly CmlLab[]) {
    const stored = this.workers.get(workerId);
    if (stored !== undefined) {
      this.workers.set(workerId, { ...stored, labs: [...labs] });
    }
  }

  eventTypes(workerId: string): string[] {
    return this.events.filter((event) => event.workerId === workerId).map((event) => event.type);
  }
}
