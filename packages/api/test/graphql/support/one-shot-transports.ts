import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { GraphQLErrorJson } from "./graphql-client";

/** What one operation answered, whichever transport carried it. */
export interface OperationResult {
  readonly data: unknown;
  readonly errors: readonly GraphQLErrorJson[];
}

function bearer(token: string | null): Record<string, string> {
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/**
 * Runs one query or mutation over graphql-ws on a connection of its own and
 * returns its first result; a connection refused or closed counts as errors.
 */
export async function executeWs(
  wsUrl: string,
  query: string,
  token: string | null,
  variables: Record<string, unknown> = {},
): Promise<OperationResult> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: bearer(token),
  });
  try {
    const results = client.iterate({ query, variables });
    const first = await results.next();
    await results.return?.();
    if (first.done === true) {
      return { data: null, errors: [{ message: "the server completed the operation without a result" }] };
    }
    return {
      data: first.value.data ?? null,
      errors: (first.value.errors ?? []).map((error) => ({
        message: error.message,
        extensions: error.extensions as GraphQLErrorJson["extensions"],
      })),
    };
  } catch (error) {
    return { data: null, errors: errorsOfRejection(error) };
  } finally {
    await client.dispose();
  }
}

/**
 * graphql-ws rejects an operation with the server's error list (an `error`
 * message) or with the close event; both become GraphQL-shaped errors here.
 */
function errorsOfRejection(error: unknown): GraphQLErrorJson[] {
  if (Array.isArray(error)) {
    return error.map((entry: unknown) => asErrorJson(entry));
  }
  return [asErrorJson(error)];
}

function asErrorJson(value: unknown): GraphQLErrorJson {
  if (
    typeof value === "object" &&
    value !== null &&
    "message" in value &&
    typeof value.message === "string"
  ) {
    const extensions =
      "extensions" in value && typeof value.extensions === "object" && value.extensions !== null
        ? (value.extensions as GraphQLErrorJson["extensions"])
        : undefined;
    return extensions === undefined ? { message: value.message } : { message: value.message, extensions };
  }
  if (typeof value === "object" && value !== null && "code" in value && "reason" in value) {
    return { message: `socket closed: ${String(value.code)} ${String(value.reason)}` };
  }
  return { message: String(value) };
}

/**
 * Runs one query or mutation over SSE (yoga answers it as a single `next`
 * event followed by `complete`) and returns the first result.
 */
export async function executeSse(
  url: string,
  query: string,
  token: string | null,
  variables: Record<string, unknown> = {},
): Promise<OperationResult & { readonly status: number }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...bearer(token) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    // Refused before streaming: a plain GraphQL error body.
    const body = parseJson(text);
    return { status: response.status, data: body?.data ?? null, errors: body?.errors ?? [] };
  }
  for (const message of text.split("\n\n")) {
    const data = message
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trim())
      .join("\n");
    const payload = data === "" ? null : parseJson(data);
    if (payload !== null) {
      return { status: response.status, data: payload.data ?? null, errors: payload.errors ?? [] };
    }
  }
  return { status: response.status, data: null, errors: [{ message: "an event stream without a result" }] };
}

function parseJson(text: string): { data?: unknown; errors?: GraphQLErrorJson[] } | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null
      ? (parsed as { data?: unknown; errors?: GraphQLErrorJson[] })
      : null;
  } catch {
    return null;
  }
}
