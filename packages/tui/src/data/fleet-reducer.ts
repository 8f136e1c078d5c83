import type {
  ConnectionState,
  FleetEvent,
  Job,
  SnapshotWorker,
  Telemetry,
  Viewer,
  Worker,
} from "./fleet-types";

export const CPU_HISTORY_LENGTH = 30;
export const EVENT_LOG_LENGTH = 200;
export const JOB_LIST_LENGTH = 500;

export interface CpuSample {
  /** Epoch ms of the sample. */
  readonly at: number;
  readonly cpu: number;
}

export interface WorkerEntry {
  readonly worker: Worker;
  /** Recent CPU samples, oldest first, for the sparkline. */
  readonly cpu: readonly CpuSample[];
}

export interface FleetState {
  readonly workers: ReadonlyMap<string, WorkerEntry>;
  readonly jobs: ReadonlyMap<string, Job>;
  /** Newest first. */
  readonly events: readonly FleetEvent[];
  readonly connection: ConnectionState;
  readonly viewer: Viewer | null;
  /** True once a snapshot has arrived: until then an empty table means "loading", not "no workers". */
  readonly loaded: boolean;
}

export type FleetAction =
  | { readonly type: "snapshot-loaded"; readonly workers: readonly SnapshotWorker[] }
  | { readonly type: "workers-changed"; readonly workers: readonly Worker[] }
  | { readonly type: "jobs-changed"; readonly jobs: readonly Job[] }
  | { readonly type: "events-received"; readonly events: readonly FleetEvent[] }
  | { readonly type: "connection-changed"; readonly connection: ConnectionState }
  | { readonly type: "viewer-loaded"; readonly viewer: Viewer };

export const initialFleetState: FleetState = {
  workers: new Map(),
  jobs: new Map(),
  events: [],
  connection: { kind: "connecting" },
  viewer: null,
  loaded: false,
};

function samplesOf(telemetry: readonly (Telemetry | null)[]): CpuSample[] {
  const samples: CpuSample[] = [];
  for (const sample of telemetry) {
    if (sample && sample.cpuPercent !== null) {
      samples.push({ at: Date.parse(sample.sampledAt), cpu: sample.cpuPercent });
    }
  }
  return samples;
}

/** Union of two sample lists by timestamp, oldest first, trimmed to the history length. */
function mergeSamples(current: readonly CpuSample[], incoming: readonly CpuSample[]): readonly CpuSample[] {
  if (incoming.length === 0) {
    return current;
  }
  const last = current.at(-1);
  // The common case on the stream: one sample newer than everything held.
  if (incoming.length === 1 && incoming[0] && (!last || incoming[0].at > last.at)) {
    return [...current, incoming[0]].slice(-CPU_HISTORY_LENGTH);
  }
  const byTime = new Map<number, CpuSample>();
  for (const sample of [...current, ...incoming]) {
    byTime.set(sample.at, sample);
  }
  return [...byTime.values()].sort((a, b) => a.at - b.at).slice(-CPU_HISTORY_LENGTH);
}

function isNotOlder(incoming: Worker, current: Worker): boolean {
  return Date.parse(incoming.updatedAt) >= Date.parse(current.updatedAt);
}

function stripSnapshotFields(worker: SnapshotWorker): Worker {
  const { recentTelemetry: _history, ...rest } = worker;
  return rest;
}

/**
 * Merges workers from the snapshot or the stream. Whatever order they arrive
 * in, a worker's row only ever moves forward in `updatedAt`: a stale snapshot
 * row never overwrites a newer streamed one. CPU samples are merged either way.
 */
function mergeWorkers(
  workers: ReadonlyMap<string, WorkerEntry>,
  incoming: readonly Worker[],
  historyOf: (worker: Worker) => readonly CpuSample[],
): ReadonlyMap<string, WorkerEntry> {
  const next = new Map(workers);
  for (const worker of incoming) {
    const current = next.get(worker.id);
    const cpu = mergeSamples(current?.cpu ?? [], historyOf(worker));
    if (!current || isNotOlder(worker, current.worker)) {
      next.set(worker.id, { worker, cpu });
    } else if (cpu !== current.cpu) {
      next.set(worker.id, { worker: current.worker, cpu });
    }
  }
  return next;
}

function mergeJobs(jobs: ReadonlyMap<string, Job>, incoming: readonly Job[]): ReadonlyMap<string, Job> {
  const next = new Map(jobs);
  for (const job of incoming) {
    next.set(job.id, job);
  }
  if (next.size <= JOB_LIST_LENGTH) {
    return next;
  }
  const newest = [...next.values()]
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .slice(0, JOB_LIST_LENGTH);
  return new Map(newest.map((job) => [job.id, job]));
}

function mergeEvents(events: readonly FleetEvent[], incoming: readonly FleetEvent[]): readonly FleetEvent[] {
  const byId = new Map<string, FleetEvent>();
  for (const event of [...incoming, ...events]) {
    if (!byId.has(event.id)) {
      byId.set(event.id, event);
    }
  }
  return [...byId.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, EVENT_LOG_LENGTH);
}

export function fleetReducer(state: FleetState, action: FleetAction): FleetState {
  switch (action.type) {
    case "snapshot-loaded": {
      const histories = new Map(
        action.workers.map((worker) => [worker.id, samplesOf(worker.recentTelemetry)]),
      );
      const workers = mergeWorkers(
        state.workers,
        action.workers.map(stripSnapshotFields),
        (worker) => histories.get(worker.id) ?? [],
      );
      return { ...state, workers, loaded: true };
    }
    case "workers-changed":
      return {
        ...state,
        workers: mergeWorkers(state.workers, action.workers, (worker) => samplesOf([worker.telemetry])),
      };
    case "jobs-changed":
      return { ...state, jobs: mergeJobs(state.jobs, action.jobs) };
    case "events-received":
      return { ...state, events: mergeEvents(state.events, action.events) };
    case "connection-changed":
      return { ...state, connection: action.connection };
    case "viewer-loaded":
      return { ...state, viewer: action.viewer };
  }
}
