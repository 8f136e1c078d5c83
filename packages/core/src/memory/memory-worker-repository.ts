import type { FleetEvent, NewFleetEvent } from "../domain/fleet-event";
import type { CmlLab, Worker } from "../domain/worker";
import type { WorkerOperationRecord } from "../domain/worker-operation";
import type { WorkerStatus } from "../domain/worker-status";
import { ConcurrentModificationError, ConflictError } from "../errors";
import type {
  AuditEntry,
  SavedWorker,
  SavedWorkerBatch,
  TelemetrySample,
  WorkerBatchEntry,
  WorkerFilter,
  WorkerInstanceRef,
  WorkerPage,
  WorkerRepository,
  WorkerTarget,
  WorkerWriteOptions,
} from "../ports/worker-repository.port";

export interface MemoryWorkerRepositoryOptions {
  /**
   * Samples kept per worker (the newest); `recentTelemetry` refuses to look
   * back further. Unset: every sample is kept until pruned.
   */
  readonly samplesPerWorker?: number;
}

/**
 * The worker repository in memory, for the replay and core's tests: optimistic
 * like the Postgres one (a save of a stale version throws), it keeps the events
 * and the audit entries written with each change, and each worker's telemetry
 * in time order, as the Postgres repository reads it back.
 */
export class MemoryWorkerRepository implements WorkerRepository {
  readonly workers = new Map<string, Worker>();
  readonly events: FleetEvent[] = [];
  /** Audit entries saved with worker changes, as the real repository writes them in the change's transaction. */
  readonly audit: AuditEntry[] = [];
  /** Outbox rows written with worker changes (WorkerWriteOptions.queueOperation), as the real repository writes them. */
  readonly operations: WorkerOperationRecord[] = [];
  /** Each worker's samples, oldest first. */
  private readonly samples = new Map<string, TelemetrySample[]>();
  private readonly samplesPerWorker: number;
  private nextEventId = 1;

  constructor(options: MemoryWorkerRepositoryOptions = {}) {
    const kept = options.samplesPerWorker ?? Number.POSITIVE_INFINITY;
    if (!(kept >= 1)) {
      throw new RangeError(`samplesPerWorker must be at least 1, not ${kept}`);
    }
    this.samplesPerWorker = kept;
  }

  /** Every sample kept, worker by worker, each worker's oldest first. */
  get telemetry(): TelemetrySample[] {
    return [...this.samples.values()].flat();
  }

  /** The types of one worker's events, oldest first. */
  eventTypes(workerId: string): string[] {
    return this.events.filter((event) => event.workerId === workerId).map((event) => event.type);
  }

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
  async listWithInstanceIn(target: WorkerTarget, excludedStatuses: readonly WorkerStatus[]) {
    return [...this.workers.values()].flatMap((worker): WorkerInstanceRef[] =>
      worker.accountId === target.accountId &&
      worker.region === target.region &&
      worker.instanceId !== null &&
      hasInstanceOutside(worker, excludedStatuses)
        ? [{ id: worker.id, instanceId: worker.instanceId, telemetry: worker.telemetry }]
        : [],
    );
  }
  async targetsWithInstances(excludedStatuses: readonly WorkerStatus[]) {
    const targets = new Map<string, WorkerTarget>();
    for (const worker of this.workers.values()) {
      if (hasInstanceOutside(worker, excludedStatuses)) {
        targets.set(`${worker.accountId}/${worker.region}`, {
          accountId: worker.accountId,
          region: worker.region,
        });
      }
    }
    return [...targets.values()];
  }
  async insert(worker: Worker, events: readonly NewFleetEvent[], options: WorkerWriteOptions = {}) {
    if (this.workers.has(worker.id)) {
      throw new ConflictError(`worker ${worker.id} exists`);
    }
    const saved = { ...worker, version: 1 };
    // Before anything is stored, as the transaction's last step: a throw leaves nothing behind.
    await this.queueOperation(saved, options);
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
    await this.queueOperation(saved, options);
    if (this.workers.get(worker.id) !== stored) {
      throw new ConcurrentModificationError("worker", worker.id);
    }
    this.workers.set(worker.id, saved);
    this.audit.push(...(options.audit ?? []));
    return { worker: saved, events: this.record(events) };
  }
  async saveMany(entries: readonly WorkerBatchEntry[]): Promise<SavedWorkerBatch> {
    if (new Set(entries.map((entry) => entry.worker.id)).size !== entries.length) {
      throw new RangeError("a batch of worker saves names a worker more than once");
    }
    const saved: SavedWorker[] = [];
    const conflicts: string[] = [];
    for (const { worker, events, labs } of entries) {
      const stored = this.workers.get(worker.id);
      if (stored === undefined || stored.version !== worker.version) {
        conflicts.push(worker.id);
        continue;
      }
      // As the Postgres repository: a save keeps the stored labs unless the entry brings new ones.
      const next = {
        ...worker,
        labs: labs === undefined ? stored.labs : [...labs],
        version: worker.version + 1,
      };
      this.workers.set(worker.id, next);
      saved.push({ worker: next, events: this.record(events) });
    }
    return { saved, conflicts };
  }
  private async queueOperation(saved: Worker, options: WorkerWriteOptions): Promise<void> {
    if (options.queueOperation !== undefined) {
      const operation = await options.queueOperation(saved);
      this.operations.push({ ...operation, state: "PENDING", settledAt: null, redrives: 0 });
    }
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
    for (const sample of samples) {
      const kept = this.samples.get(sample.workerId) ?? [];
      this.samples.set(sample.workerId, kept);
      kept.splice(insertionIndex(kept, sample.sampledAt), 0, sample);
      // Trimmed in batches: one copy per samplesPerWorker samples, not one per sample.
      if (kept.length >= 2 * this.samplesPerWorker) {
        kept.splice(0, kept.length - this.samplesPerWorker);
      }
    }
  }
  async recentTelemetry(workerId: string, limit: number) {
    if (limit > this.samplesPerWorker) {
      throw new RangeError(`this repository keeps the latest ${this.samplesPerWorker} samples, not ${limit}`);
    }
    return (this.samples.get(workerId) ?? []).slice(-limit);
  }

  async recentTelemetryMany(workerIds: readonly string[], limit: number) {
    const recent = new Map<string, TelemetrySample[]>();
    for (const workerId of workerIds) {
      recent.set(workerId, await this.recentTelemetry(workerId, limit));
    }
    return recent;
  }
  async pruneTelemetry(olderThan: Date) {
    let pruned = 0;
    for (const kept of this.samples.values()) {
      const older = insertionIndex(kept, olderThan, "before");
      kept.splice(0, older);
      pruned += older;
    }
    return pruned;
  }
  async saveLabs(workerId: string, labs: readonly CmlLab[]) {
    const stored = this.workers.get(workerId);
    if (stored !== undefined) {
      this.workers.set(workerId, { ...stored, labs: [...labs] });
    }
  }
}

function hasInstanceOutside(worker: Worker, excludedStatuses: readonly WorkerStatus[]): boolean {
  return worker.instanceId !== null && !excludedStatuses.includes(worker.status);
}

/**
 * Where `at` goes in samples sorted oldest first: after every sample taken at
 * or before it, or with "before", after only those taken before it (so the
 * answer also counts the samples older than `at`).
 */
function insertionIndex(
  samples: readonly TelemetrySample[],
  at: Date,
  side: "after" | "before" = "after",
): number {
  const time = at.getTime();
  let low = 0;
  let high = samples.length;
  // The usual case first: a sample newer than all, a cut older than all.
  const last = samples[high - 1];
  if (side === "after" && (last === undefined || last.sampledAt.getTime() <= time)) {
    return high;
  }
  while (low < high) {
    const middle = (low + high) >>> 1;
    const sampled = (samples[middle] as TelemetrySample).sampledAt.getTime();
    if (sampled < time || (side === "after" && sampled === time)) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}
