/** A GraphQL error as the API sends it. */
export interface GraphqlError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

export interface GraphqlAnswer<T> {
  readonly status: number;
  readonly data: T | null;
  readonly errors: readonly GraphqlError[];
}

/** The worker fields the suite reads. */
export interface WorkerView {
  readonly id: string;
  readonly name: string;
  readonly instanceId: string | null;
  readonly status: string;
  readonly desiredStatus: string;
  readonly serviceStatus: string;
  readonly statusReason: string | null;
  readonly license: { readonly status: string };
  readonly telemetry: { readonly sampledAt: string } | null;
}

/** What a listing of every worker reads (a page of full views would pass the API's query cost limit). */
export type WorkerSummary = Pick<WorkerView, "id" | "name" | "instanceId" | "status" | "desiredStatus">;

const SUMMARY_FIELDS = "id name instanceId status desiredStatus";

export const WORKER_FIELDS =
  "id name instanceId status desiredStatus serviceStatus statusReason license { status } telemetry { sampledAt }";

/** A fleet event of a worker, the part the suite reads. */
export interface WorkerEvent {
  readonly type: string;
  readonly message: string;
  readonly at: string;
}

/** Thrown for an answer with errors: the codes are kept for assertions. */
export class GraphqlCallError extends Error {
  override readonly name = "GraphqlCallError";
  constructor(
    readonly operation: string,
    readonly errors: readonly GraphqlError[],
    readonly status: number,
  ) {
    super(
      `${operation}: HTTP ${status}, ${errors.map((error) => `${error.extensions?.code ?? "?"}: ${error.message}`).join("; ")}`,
    );
  }

  get codes(): (string | undefined)[] {
    return this.errors.map((error) => error.extensions?.code);
  }
}

/** The API as a user's client sees it: GraphQL over HTTP with an ADMIN token. */
export interface FleetClient {
  readonly url: string;
  /** One operation; the answer as it came (errors included). */
  request<T>(query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer<T>>;
  /** One operation's data; throws a {@link GraphqlCallError} for an answer with errors. */
  call<T>(operation: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  createWorker(name: string, region?: string): Promise<WorkerView>;
  startWorker(id: string): Promise<WorkerView>;
  stopWorker(id: string): Promise<WorkerView>;
  terminateWorker(id: string): Promise<WorkerView>;
  registerLicense(id: string): Promise<WorkerView>;
  worker(id: string): Promise<WorkerView | null>;
  /** The worker's newest events, newest first. */
  events(id: string, first?: number): Promise<WorkerEvent[]>;
  /** Every worker, terminated ones included (at most 100: the suite makes fewer). */
  workers(): Promise<WorkerSummary[]>;
}

export function fleetClient(url: string, token: string): FleetClient {
  const request = async <T>(query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await response.json()) as { data?: T | null; errors?: GraphqlError[] };
    return { status: response.status, data: body.data ?? null, errors: body.errors ?? [] };
  };
  const call = async <T>(operation: string, query: string, variables: Record<string, unknown> = {}) => {
    const answer = await request<T>(query, variables);
    if (answer.errors.length > 0 || answer.data === null) {
      throw new GraphqlCallError(operation, answer.errors, answer.status);
    }
    return answer.data;
  };
  const mutation = async (name: string, args: string, variables: Record<string, unknown>) => {
    const declared = Object.keys(variables)
      .map((key) => `$${key}: ${key === "input" ? "CreateWorkerInput!" : "ID!"}`)
      .join(", ");
    const data = await call<Record<string, { worker: WorkerView }>>(
      name,
      `mutation (${declared}) { ${name}(${args}) { worker { ${WORKER_FIELDS} } } }`,
      variables,
    );
    const payload = data[name];
    if (payload === undefined) {
      throw new Error(`${name}: no payload in the answer`);
    }
    return payload.worker;
  };
  return {
    url,
    request,
    call,
    createWorker: (name, region = "us-east-1") =>
      mutation("createWorker", "input: $input", { input: { name, region } }),
    startWorker: (id) => mutation("startWorker", "id: $id", { id }),
    stopWorker: (id) => mutation("stopWorker", "id: $id", { id }),
    terminateWorker: (id) => mutation("terminateWorker", "id: $id", { id }),
    registerLicense: (id) => mutation("registerLicense", "id: $id", { id }),
    async worker(id) {
      const data = await call<{ worker: WorkerView | null }>(
        "worker",
        `query ($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`,
        { id },
      );
      return data.worker;
    },
    async events(id, first = 50) {
      const data = await call<{ worker: { events: WorkerEvent[] } | null }>(
        "worker events",
        "query ($id: ID!, $first: Int) { worker(id: $id) { events(first: $first) { type message at } } }",
        { id, first },
      );
      return data.worker?.events ?? [];
    },
    async workers() {
      const data = await call<{ workers: { edges: { node: WorkerSummary }[] } }>(
        "workers",
        `{ workers(first: 100) { edges { node { ${SUMMARY_FIELDS} } } } }`,
      );
      return data.workers.edges.map((edge) => edge.node);
    },
  };
}
