/** Every GraphQL document the monitor sends, in one place. */

const JOB_FIELDS = `
  id name workerId state progress step attempts failedReason createdAt finishedAt
`;

const WORKER_FIELDS = `
  id name region instanceType amiId amiName cmlVersion instanceId publicIp privateIp endpoint
  status desiredStatus statusReason serviceStatus
  license { status nodeLimit nodesInUse }
  telemetry { sampledAt cpuPercent memoryPercent runningNodes startedLabs }
  labs { id title state }
  idle { enabled thresholdMinutes isIdle lastActivityAt idleSince autoStopAt keepAliveUntil }
  cost { hourlyRate accrued savedByAutoStop }
  tags { key value }
  activeJob { ${JOB_FIELDS} }
  createdBy createdAt updatedAt
`;

const EVENT_FIELDS = "id type workerId at message actor";

export const VIEWER_QUERY = "query Viewer { viewer { name role } }";

export const WORKERS_PAGE_QUERY = `
  query WorkersPage($first: Int!, $after: String) {
    workers(first: $first, after: $after) {
      edges { node { ${WORKER_FIELDS} recentTelemetry(first: 30) { sampledAt cpuPercent memoryPercent runningNodes startedLabs } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const JOBS_QUERY = `query Jobs($first: Int!) { jobs(first: $first) { ${JOB_FIELDS} } }`;

export const EVENTS_QUERY = `query Events($first: Int!) { events(first: $first) { ${EVENT_FIELDS} } }`;

export const WORKER_EVENTS_QUERY = `
  query WorkerEvents($id: ID!, $first: Int!) { events(workerId: $id, first: $first) { ${EVENT_FIELDS} } }
`;

export const WORKER_CHANGED_SUBSCRIPTION = `subscription WorkerChanged { workerChanged { ${WORKER_FIELDS} } }`;

export const FLEET_EVENTS_SUBSCRIPTION = `subscription FleetEvents { fleetEvents { ${EVENT_FIELDS} } }`;

export const JOB_UPDATED_SUBSCRIPTION = `subscription JobUpdated { jobUpdated { ${JOB_FIELDS} } }`;

export const START_WORKER_MUTATION = `
  mutation StartWorker($id: ID!) { startWorker(id: $id) { worker { id } job { id } } }
`;

export const STOP_WORKER_MUTATION = `
  mutation StopWorker($id: ID!, $reason: String) { stopWorker(id: $id, reason: $reason) { worker { id } job { id } } }
`;

export const TERMINATE_WORKER_MUTATION = `
  mutation TerminateWorker($id: ID!, $force: Boolean) {
    terminateWorker(id: $id, force: $force) { worker { id } job { id } }
  }
`;

export const REFRESH_WORKER_MUTATION = `
  mutation RefreshWorker($id: ID!) { refreshWorker(id: $id) { worker { id } job { id } } }
`;

export const KEEP_ALIVE_MUTATION = `
  mutation KeepAlive($id: ID!, $until: DateTime!) { keepAlive(id: $id, until: $until) { id } }
`;

export const RETRY_JOB_MUTATION = `mutation RetryJob($id: ID!) { retryJob(id: $id) { id } }`;
