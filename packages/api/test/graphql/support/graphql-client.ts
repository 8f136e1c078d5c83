import { createClient } from "graphql-ws";
import WebSocket from "ws";

export interface GraphQLErrorJson {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly requestId?: string };
}

export interface GraphQLResponse<T> {
  readonly status: number;
  readonly data: T | null;
  readonly errors: readonly GraphQLErrorJson[];
}

export interface RequestOptions {
  readonly variables?: Record<string, unknown>;
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
}

/** POSTs one operation over HTTP, as any client would. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  // The GraphQL-over-HTTP media type: request errors come back as 4xx, not 200.
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
    ...options.headers,
  };
  if (options.token !== undefined && options.token !== null) {
    headers.authorization = `Bearer ${options.token}`;
  }
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLErrorJson[] };
  return { status: response.status, data: body.data ?? null, errors: body.errors ?? [] };
}

/** The `extensions.code` of every error, in order. */
export function codes(response: { readonly errors: readonly GraphQLErrorJson[] }): (string | undefined)[] {
  return response.errors.map((error) => error.extensions?.code);
}

/** Fails with the errors when a response has any, else returns its data. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors.length > 0 || response.data === null) {
    throw new Error(`unexpected GraphQL errors: ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

/** One operation with its variables, answering its data (failing on any error). */
export type GraphqlCall = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/** One caller's operations against one API. */
export function graphqlCaller(url: string, token: string): GraphqlCall {
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> =>
    dataOf(await gql<T>(url, query, { token, variables }));
}

/** `worker(id)` with the given selection of fields; null when there is no such worker. */
export async function workerById<T>(call: GraphqlCall, id: string, fields: string): Promise<T | null> {
  return (await call<{ worker: T | null }>(`query ($id: ID!) { worker(id: $id) { ${fields} } }`, { id }))
    .worker;
}

export interface Subscription<T> {
  readonly events: T[];
  readonly errors: unknown[];
  dispose(): Promise<void>;
}

/** A graphql-ws client subscribed to one operation; events and errors pile up for the test to look at. */
export function subscribeWs<T>(
  wsUrl: string,
  query: string,
  options: { token?: string | null; variables?: Record<string, unknown> } = {},
): Subscription<T> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams:
      options.token === undefined || options.token === null
        ? {}
        : { authorization: `Bearer ${options.token}` },
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  const unsubscribe = client.subscribe<T>(
    { query, variables: options.variables ?? {} },
    {
      next: (value) => {
        if (value.errors !== undefined && value.errors.length > 0) {
          errors.push(...value.errors);
        } else if (value.data !== undefined && value.data !== null) {
          events.push(value.data as T);
        }
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    events,
    errors,
    async dispose() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/**
 * How long API tests wait for what happens after a response (a subscription
 * event, an audit row): for `vi.waitFor` and `expect.poll`.
 */
export const PATIENCE = { timeout: 20_000, interval: 50 } as const;
