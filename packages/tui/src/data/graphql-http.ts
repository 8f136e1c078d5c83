import { ApiError, apiErrorFromGraphql } from "./api-error";

export interface GraphqlHttpOptions {
  readonly url: string;
  readonly token: string | null;
  readonly fetch?: typeof globalThis.fetch;
  readonly timeoutMs?: number;
}

export type GraphqlRequest = <TData>(query: string, variables?: Record<string, unknown>) => Promise<TData>;

interface GraphqlResponseBody {
  readonly data?: unknown;
  readonly errors?: readonly unknown[];
}

/** Queries and mutations over HTTP POST, failing with an ApiError the UI can show as one line. */
export function createGraphqlHttp(options: GraphqlHttpOptions): GraphqlRequest {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return async <TData>(query: string, variables: Record<string, unknown> = {}): Promise<TData> => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    };
    if (options.token) {
      headers.authorization = `Bearer ${options.token}`;
    }
    let response: Response;
    try {
      response = await doFetch(options.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error ? (error.cause ?? error) : error;
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new ApiError(`API unreachable at ${options.url} (${detail})`, "NETWORK");
    }
    let body: GraphqlResponseBody;
    try {
      body = (await response.json()) as GraphqlResponseBody;
    } catch {
      throw new ApiError(
        `API answered HTTP ${response.status} without a GraphQL body`,
        `HTTP_${response.status}`,
      );
    }
    if (body.errors && body.errors.length > 0) {
      throw apiErrorFromGraphql(body.errors);
    }
    if (body.data === undefined || body.data === null) {
      throw new ApiError(`API answered HTTP ${response.status} without data`, `HTTP_${response.status}`);
    }
    return body.data as TData;
  };
}
