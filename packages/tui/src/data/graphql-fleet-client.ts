import { print } from "@0no-co/graphql.web";
import type { ResultOf, TadaDocumentNode } from "gql.tada";
import type { FleetClient, StreamHandlers } from "./fleet-client.port";
import type { SnapshotWorker } from "./fleet-types";
import { createGraphqlHttp } from "./graphql-http";
import {
  AuditLogQuery,
  EventsQuery,
  FleetEventsSubscription,
  JobsQuery,
  JobUpdatedSubscription,
  KeepAliveMutation,
  NotificationChannelsQuery,
  RefreshWorkerMutation,
  RetryJobMutation,
  SchedulesQuery,
  SetWorkerScheduleMutation,
  SnapshotWorkerMutation,
  StartWorkerMutation,
  StopAllLabsMutation,
  StopLabMutation,
  StopWorkerMutation,
  TerminateWorkerMutation,
  ViewerQuery,
  WorkerChangedSubscription,
  WorkerEventsQuery,
  WorkerSnapshotsQuery,
  WorkersPageQuery,
} from "./operations";
import { createSubscriptionLink } from "./subscription-link";

export interface GraphqlFleetClientOptions {
  readonly url: string;
  readonly token: string | null;
  readonly fetch?: typeof globalThis.fetch;
}

const PAGE_SIZE = 250;

/** The monitor's FleetClient: HTTP for queries and mutations, graphql-ws for the live streams. */
export function createGraphqlFleetClient(options: GraphqlFleetClientOptions): FleetClient {
  const request = createGraphqlHttp(options);
  const link = createSubscriptionLink({ url: options.url, token: options.token });

  // The document types the variables the compiler accepts and the data the caller gets back.
  // gql.tada keeps a document's source text only for fragments: the wire text is printed from
  // the AST by graphql.web, the parser and printer gql.tada itself is built on.
  const send = <Result, Variables extends Record<string, unknown>>(
    document: TadaDocumentNode<Result, Variables>,
    variables: Variables,
  ) => request<Result>(print(document), variables);

  const stream = <Result, Field extends keyof Result & string>(
    document: TadaDocumentNode<Result>,
    field: Field,
    handlers: StreamHandlers<NonNullable<Result[Field]>>,
  ) => link.subscribe(print(document), field, handlers);

  return {
    async viewer() {
      return (await send(ViewerQuery, {})).viewer;
    },
    async workers() {
      const all: SnapshotWorker[] = [];
      let after: string | null = null;
      for (;;) {
        const page: ResultOf<typeof WorkersPageQuery> = await send(WorkersPageQuery, {
          first: PAGE_SIZE,
          after,
        });
        all.push(...page.workers.edges.map((edge) => edge.node));
        if (!page.workers.pageInfo.hasNextPage || page.workers.pageInfo.endCursor === null) {
          return all;
        }
        after = page.workers.pageInfo.endCursor;
      }
    },
    async jobs(first) {
      return (await send(JobsQuery, { first })).jobs;
    },
    async events(first) {
      return (await send(EventsQuery, { first })).events;
    },
    async workerEvents(workerId, first) {
      return (await send(WorkerEventsQuery, { id: workerId, first })).events;
    },
    async auditLog(first) {
      return (await send(AuditLogQuery, { first })).auditLog;
    },
    async schedules() {
      return (await send(SchedulesQuery, {})).schedules;
    },
    async notificationChannels() {
      return (await send(NotificationChannelsQuery, {})).notificationChannels;
    },
    async workerSnapshots(workerId) {
      return (await send(WorkerSnapshotsQuery, { id: workerId })).worker?.snapshots ?? [];
    },
    onWorkerChanged: (handlers) => stream(WorkerChangedSubscription, "workerChanged", handlers),
    onFleetEvent: (handlers) => stream(FleetEventsSubscription, "fleetEvents", handlers),
    onJobUpdated: (handlers) => stream(JobUpdatedSubscription, "jobUpdated", handlers),
    onConnectionChange: (listener) => link.onConnectionChange(listener),
    async runWorkerAction(action, workerId, actionOptions) {
      switch (action) {
        case "start":
          await send(StartWorkerMutation, { id: workerId });
          return;
        case "stop":
          await send(StopWorkerMutation, { id: workerId, reason: "stopped from the terminal monitor" });
          return;
        case "terminate":
          await send(TerminateWorkerMutation, { id: workerId, force: actionOptions?.force ?? false });
          return;
        case "refresh":
          await send(RefreshWorkerMutation, { id: workerId });
          return;
      }
    },
    async keepAlive(workerId, until) {
      await send(KeepAliveMutation, { id: workerId, until: until.toISOString() });
    },
    async retryJob(jobId) {
      await send(RetryJobMutation, { id: jobId });
    },
    async stopLabs(workerId, labId) {
      if (labId === null) {
        await send(StopAllLabsMutation, { id: workerId });
      } else {
        await send(StopLabMutation, { workerId, labId });
      }
    },
    async snapshotWorker(workerId, description) {
      await send(SnapshotWorkerMutation, { id: workerId, description });
    },
    async setWorkerSchedule(workerId, scheduleId) {
      await send(SetWorkerScheduleMutation, { id: workerId, scheduleId });
    },
    close: () => link.close(),
  };
}
