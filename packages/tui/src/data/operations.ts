/** Every GraphQL operation the monitor sends, in one place; their types come from the API's schema. */
import { EventFields, JobFields, TelemetryFields, WorkerFields } from "./fragments";
import { graphql } from "./graphql";

export const ViewerQuery = graphql(`
  query Viewer { viewer { name role } }
`);

export const WorkersPageQuery = graphql(
  `
  query WorkersPage($first: Int!, $after: String) {
    workers(first: $first, after: $after) {
      edges { node { ...WorkerFields recentTelemetry(first: 30) { ...TelemetryFields } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [WorkerFields, TelemetryFields],
);

export const JobsQuery = graphql(
  `
  query Jobs($first: Int!) { jobs(first: $first) { ...JobFields } }
`,
  [JobFields],
);

export const EventsQuery = graphql(
  `
  query Events($first: Int!) { events(first: $first) { ...EventFields } }
`,
  [EventFields],
);

export const WorkerEventsQuery = graphql(
  `
  query WorkerEvents($id: ID!, $first: Int!) { events(workerId: $id, first: $first) { ...EventFields } }
`,
  [EventFields],
);

export const WorkerChangedSubscription = graphql(
  `
  subscription WorkerChanged { workerChanged { ...WorkerFields } }
`,
  [WorkerFields],
);

export const FleetEventsSubscription = graphql(
  `
  subscription FleetEvents { fleetEvents { ...EventFields } }
`,
  [EventFields],
);

export const JobUpdatedSubscription = graphql(
  `
  subscription JobUpdated { jobUpdated { ...JobFields } }
`,
  [JobFields],
);

export const StartWorkerMutation = graphql(`
  mutation StartWorker($id: ID!) { startWorker(id: $id) { worker { id } job { id } } }
`);

export const StopWorkerMutation = graphql(`
  mutation StopWorker($id: ID!, $reason: String) {
    stopWorker(id: $id, reason: $reason) { worker { id } job { id } }
  }
`);

export const TerminateWorkerMutation = graphql(`
  mutation TerminateWorker($id: ID!, $force: Boolean) {
    terminateWorker(id: $id, force: $force) { worker { id } job { id } }
  }
`);

export const RefreshWorkerMutation = graphql(`
  mutation RefreshWorker($id: ID!) { refreshWorker(id: $id) { worker { id } job { id } } }
`);

export const KeepAliveMutation = graphql(`
  mutation KeepAlive($id: ID!, $until: DateTime!) { keepAlive(id: $id, until: $until) { id } }
`);

/** OPERATOR: stop one lab of a worker, as a job. */
export const StopLabMutation = graphql(`
  mutation StopLab($workerId: ID!, $labId: ID!) { stopLab(workerId: $workerId, labId: $labId) { job { id } } }
`);

/** OPERATOR: stop every started lab of a worker, as a job. */
export const StopAllLabsMutation = graphql(`
  mutation StopAllLabs($id: ID!) { stopAllLabs(id: $id) { job { id } } }
`);

export const RetryJobMutation = graphql(`
  mutation RetryJob($id: ID!) { retryJob(id: $id) { id } }
`);

/** ADMIN only: the newest entries of the audit log (the `:audit` view). */
export const AuditLogQuery = graphql(`
  query AuditLog($first: Int!) { auditLog(first: $first) { id at actor action target outcome } }
`);

/** OPERATOR, or a USER on its own worker: an EBS snapshot of the root volume (labs included), as a job. */
export const SnapshotWorkerMutation = graphql(`
  mutation SnapshotWorker($id: ID!, $description: String) {
    snapshotWorker(id: $id, description: $description) { job { id } }
  }
`);

/** OPERATOR: attach a schedule to a worker (null detaches it). */
export const SetWorkerScheduleMutation = graphql(`
  mutation SetWorkerSchedule($id: ID!, $scheduleId: ID) { setWorkerSchedule(id: $id, scheduleId: $scheduleId) { id } }
`);

/** Every schedule with its windows and its workers' next actions (the `:schedules` view). */
export const SchedulesQuery = graphql(`
  query Schedules {
    schedules {
      id name timeZone closedDates readyAtStart
      windows { days start end }
      workers { id name nextScheduledAction { action at } }
    }
  }
`);

/** ADMIN only: the notification channels with their last delivery (the `:channels` view). */
export const NotificationChannelsQuery = graphql(`
  query NotificationChannels {
    notificationChannels { id name url format events enabled lastDeliveryAt lastError }
  }
`);

/** A worker's snapshots, newest first (the detail pane, read when it opens). */
export const WorkerSnapshotsQuery = graphql(`
  query WorkerSnapshots($id: ID!) {
    worker(id: $id) { id snapshots { id snapshotId state description sizeGiB createdAt } }
  }
`);
