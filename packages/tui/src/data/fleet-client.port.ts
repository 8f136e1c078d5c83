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
} from "./fleet-types";

/** Stops a subscription or listener. */
export type Unsubscribe = () => void;

export interface StreamHandlers<T> {
  readonly next: (value: T) => void;
  /** A failure the stream cannot recover from by reconnecting (e.g. a GraphQL error). */
  readonly error: (error: Error) => void;
}

export type WorkerAction = "start" | "stop" | "terminate" | "refresh";

/**
 * Everything the monitor needs from the API. The GraphQL implementation lives in
 * graphql-fleet-client.ts; component tests pass a fake, so the view is tested
 * without a server.
 */
export interface FleetClient {
  viewer(): Promise<Viewer>;
  /** Every worker, all pages. */
  workers(): Promise<SnapshotWorker[]>;
  jobs(first: number): Promise<Job[]>;
  events(first: number): Promise<FleetEvent[]>;
  workerEvents(workerId: string, first: number): Promise<FleetEvent[]>;
  /** The newest audit entries; refused (FORBIDDEN) unless the token is ADMIN. */
  auditLog(first: number): Promise<AuditEntry[]>;
  /** Every schedule, with its workers' next actions. */
  schedules(): Promise<Schedule[]>;
  /** The notification channels; refused (FORBIDDEN) unless the token is ADMIN. */
  notificationChannels(): Promise<NotificationChannel[]>;
  /** A worker's snapshots, newest first. */
  workerSnapshots(workerId: string): Promise<Snapshot[]>;

  onWorkerChanged(handlers: StreamHandlers<Worker>): Unsubscribe;
  onFleetEvent(handlers: StreamHandlers<FleetEvent>): Unsubscribe;
  onJobUpdated(handlers: StreamHandlers<Job>): Unsubscribe;
  /** Called with the current state at once, then on every change. */
  onConnectionChange(listener: (state: ConnectionState) => void): Unsubscribe;

  runWorkerAction(action: WorkerAction, workerId: string, options?: { force?: boolean }): Promise<void>;
  keepAlive(workerId: string, until: Date): Promise<void>;
  retryJob(jobId: string): Promise<void>;
  /** Stops one lab of a worker (`labId`), or every started one (null). */
  stopLabs(workerId: string, labId: string | null): Promise<void>;
  snapshotWorker(workerId: string, description: string | null): Promise<void>;
  /** Attaches a schedule to a worker, or detaches it (null). */
  setWorkerSchedule(workerId: string, scheduleId: string | null): Promise<void>;

  close(): Promise<void>;
}
