import type { FleetClient, StreamHandlers, WorkerAction } from "../../src/data/fleet-client.port";
import type {
  AuditEntry,
  ConnectionState,
  FleetEvent,
  Job,
  NotificationChannel,
  Schedule,
  Snapshot,
  SnapshotWorker,
  Viewer,
  Worker,
} from "../../src/data/fleet-types";

export type RecordedCall =
  | {
      readonly kind: "action";
      readonly action: WorkerAction;
      readonly workerId: string;
      readonly force: boolean;
    }
  | { readonly kind: "keep-alive"; readonly workerId: string; readonly until: Date }
  | { readonly kind: "retry"; readonly jobId: string }
  | { readonly kind: "stop-labs"; readonly workerId: string; readonly labId: string | null }
  | { readonly kind: "snapshot"; readonly workerId: string; readonly description: string | null }
  | { readonly kind: "set-schedule"; readonly workerId: string; readonly scheduleId: string | null };

export interface FakeFleetData {
  viewer?: Viewer;
  workers?: SnapshotWorker[];
  jobs?: Job[];
  events?: FleetEvent[];
  audit?: AuditEntry[];
  schedules?: Schedule[];
  channels?: NotificationChannel[];
  /** Snapshots by worker id. */
  snapshots?: Record<string, Snapshot[]>;
  connection?: ConnectionState;
}

/**
 * An in-memory FleetClient: serves fixed data, lets a test push stream items
 * and connection changes, and records every mutation the monitor sends.
 */
export class FakeFleetClient implements FleetClient {
  readonly calls: RecordedCall[] = [];
  viewerValue: Viewer;
  workerList: SnapshotWorker[];
  jobList: Job[];
  eventList: FleetEvent[];
  auditList: AuditEntry[];
  scheduleList: Schedule[];
  channelList: NotificationChannel[];
  snapshotsByWorker: Record<string, Snapshot[]>;
  /** When set, mutations reject with it (as the API would answer). */
  mutationError: Error | null = null;
  snapshotLoads = 0;
  /** The next this-many snapshot loads fail, as an API that is up but erroring would. */
  failingSnapshots = 0;
  private connection: ConnectionState;
  private readonly workerHandlers = new Set<StreamHandlers<Worker>>();
  private readonly eventHandlers = new Set<StreamHandlers<FleetEvent>>();
  private readonly jobHandlers = new Set<StreamHandlers<Job>>();
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();

  constructor(data: FakeFleetData = {}) {
    this.viewerValue = data.viewer ?? { name: "ops", role: "ADMIN" };
    this.workerList = data.workers ?? [];
    this.jobList = data.jobs ?? [];
    this.eventList = data.events ?? [];
    this.auditList = data.audit ?? [];
    this.scheduleList = data.schedules ?? [];
    this.channelList = data.channels ?? [];
    this.snapshotsByWorker = data.snapshots ?? {};
    this.connection = data.connection ?? { kind: "live" };
  }

  async viewer() {
    return this.viewerValue;
  }
  async workers() {
    this.snapshotLoads += 1;
    if (this.failingSnapshots > 0) {
      this.failingSnapshots -= 1;
      throw new Error("Unexpected error.");
    }
    return this.workerList;
  }
  async jobs() {
    return this.jobList;
  }
  async events() {
    return this.eventList;
  }
  /** As the API answers: FORBIDDEN unless the viewer is ADMIN. */
  async auditLog(first: number) {
    if (this.viewerValue.role !== "ADMIN") {
      throw new Error(`auditLog needs a higher role than ${this.viewerValue.role}`);
    }
    return this.auditList.slice(0, first);
  }
  async schedules() {
    return this.scheduleList;
  }
  /** As the API answers: FORBIDDEN unless the viewer is ADMIN. */
  async notificationChannels() {
    if (this.viewerValue.role !== "ADMIN") {
      throw new Error(`notificationChannels needs a higher role than ${this.viewerValue.role}`);
    }
    return this.channelList;
  }
  async workerSnapshots(workerId: string) {
    return this.snapshotsByWorker[workerId] ?? [];
  }
  async workerEvents(workerId: string) {
    return this.eventList.filter((event) => event.workerId === workerId);
  }

  onWorkerChanged(handlers: StreamHandlers<Worker>) {
    this.workerHandlers.add(handlers);
    return () => {
      this.workerHandlers.delete(handlers);
    };
  }
  onFleetEvent(handlers: StreamHandlers<FleetEvent>) {
    this.eventHandlers.add(handlers);
    return () => {
      this.eventHandlers.delete(handlers);
    };
  }
  onJobUpdated(handlers: StreamHandlers<Job>) {
    this.jobHandlers.add(handlers);
    return () => {
      this.jobHandlers.delete(handlers);
    };
  }
  onConnectionChange(listener: (state: ConnectionState) => void) {
    this.connectionListeners.add(listener);
    listener(this.connection);
    return () => {
      this.connectionListeners.delete(listener);
    };
  }

  async runWorkerAction(action: WorkerAction, workerId: string, options?: { force?: boolean }) {
    this.calls.push({ kind: "action", action, workerId, force: options?.force ?? false });
    if (this.mutationError) {
      throw this.mutationError;
    }
  }
  async keepAlive(workerId: string, until: Date) {
    this.calls.push({ kind: "keep-alive", workerId, until });
    if (this.mutationError) {
      throw this.mutationError;
    }
  }
  async retryJob(jobId: string) {
    this.calls.push({ kind: "retry", jobId });
    if (this.mutationError) {
      throw this.mutationError;
    }
  }
  async stopLabs(workerId: string, labId: string | null) {
    this.calls.push({ kind: "stop-labs", workerId, labId });
    if (this.mutationError) {
      throw this.mutationError;
    }
  }
  async snapshotWorker(workerId: string, description: string | null) {
    this.calls.push({ kind: "snapshot", workerId, description });
    if (this.mutationError) {
      throw this.mutationError;
    }
  }
  async setWorkerSchedule(workerId: string, scheduleId: string | null) {
    this.calls.push({ kind: "set-schedule", workerId, scheduleId });
    if (this.mutationError) {
      throw this.mutationError;
    }
  }
  async close() {}

  emitWorker(worker: Worker) {
    for (const handlers of this.workerHandlers) {
      handlers.next(worker);
    }
  }
  emitEvent(event: FleetEvent) {
    for (const handlers of this.eventHandlers) {
      handlers.next(event);
    }
  }
  emitJob(job: Job) {
    for (const handlers of this.jobHandlers) {
      handlers.next(job);
    }
  }
  emitStreamError(error: Error) {
    for (const handlers of this.workerHandlers) {
      handlers.error(error);
    }
  }
  setConnection(state: ConnectionState) {
    this.connection = state;
    for (const listener of this.connectionListeners) {
      listener(state);
    }
  }
}
