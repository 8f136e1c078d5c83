import type { FleetClient, WorkerAction } from "./fleet-client.port";
import type { FleetEvent, Job, SnapshotWorker, Viewer, Worker } from "./fleet-types";
import { createGraphqlHttp } from "./graphql-http";
import {
  EVENTS_QUERY,
  FLEET_EVENTS_SUBSCRIPTION,
  JOB_UPDATED_SUBSCRIPTION,
  JOBS_QUERY,
  KEEP_ALIVE_MUTATION,
  REFRESH_WORKER_MUTATION,
  RETRY_JOB_MUTATION,
  START_WORKER_MUTATION,
  STOP_WORKER_MUTATION,
  TERMINATE_WORKER_MUTATION,
  VIEWER_QUERY,
  WORKER_CHANGED_SUBSCRIPTION,
  WORKER_EVENTS_QUERY,
  WORKERS_PAGE_QUERY,
} from "./operations";
import { createSubscriptionLink } from "./subscription-link";

export interface GraphqlFleetClientOptions {
  readonly url: string;
  readonly token: string | null;
  readonly fetch?: typeof globalThis.fetch;
}

interface WorkersPage {
  readonly workers: {
    readonly edges: readonly { readonly node: SnapshotWorker }[];
    readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  };
}

const PAGE_SIZE = 250;

const ACTION_MUTATIONS: Record<WorkerAction, string> = {
  start: START_WORKER_MUTATION,
  stop: STOP_WORKER_MUTATION,
  terminate: TERMINATE_WORKER_MUTATION,
  refresh: REFRESH_WORKER_MUTATION,
};

/** The monitor's FleetClient: HTTP for queries and mutations, graphql-ws for the live streams. */
export function createGraphqlFleetClient(options: GraphqlFleetClientOptions): FleetClient {
  const request = createGraphqlHttp(options);
  const link = createSubscriptionLink({ url: options.url, token: options.token });

  return {
    async viewer() {
      return (await request<{ viewer: Viewer }>(VIEWER_QUERY)).viewer;
    },
    async workers() {
      const all: SnapshotWorker[] = [];
      let after: string | null = null;
      for (;;) {
        const page: WorkersPage = await request<WorkersPage>(WORKERS_PAGE_QUERY, { first: PAGE_SIZE, after });
        all.push(...page.workers.edges.map((edge) => edge.node));
        if (!page.workers.pageInfo.hasNextPage || page.workers.pageInfo.endCursor === null) {
          return all;
        }
        after = page.workers.pageInfo.endCursor;
      }
    },
    async jobs(first) {
      return (await request<{ jobs: Job[] }>(JOBS_QUERY, { first })).jobs;
    },
    async events(first) {
      return (await request<{ events: FleetEvent[] }>(EVENTS_QUERY, { first })).events;
    },
    async workerEvents(workerId, first) {
      return (await request<{ events: FleetEvent[] }>(WORKER_EVENTS_QUERY, { id: workerId, first })).events;
    },
    onWorkerChanged: (handlers) =>
      link.subscribe<Worker>(WORKER_CHANGED_SUBSCRIPTION, "workerChanged", handlers),
    onFleetEvent: (handlers) =>
      link.subscribe<FleetEvent>(FLEET_EVENTS_SUBSCRIPTION, "fleetEvents", handlers),
    onJobUpdated: (handlers) => link.subscribe<Job>(JOB_UPDATED_SUBSCRIPTION, "jobUpdated", handlers),
    onConnectionChange: (listener) => link.onConnectionChange(listener),
    async runWorkerAction(action, workerId, actionOptions) {
      const variables: Record<string, unknown> = { id: workerId };
      if (action === "terminate") {
        variables.force = actionOptions?.force ?? false;
      }
      if (action === "stop") {
        variables.reason = "stopped from the terminal monitor";
      }
      await request(ACTION_MUTATIONS[action], variables);
    },
    async keepAlive(workerId, until) {
      await request(KEEP_ALIVE_MUTATION, { id: workerId, until: until.toISOString() });
    },
    async retryJob(jobId) {
      await request(RETRY_JOB_MUTATION, { id: jobId });
    },
    close: () => link.close(),
  };
}
