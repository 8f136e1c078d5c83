import { randomUUID } from "node:crypto";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import type { TestApi } from "../graphql/support/test-fleet";
import { anEvent, aWorker } from "../support/worker-factory";
import { sendRaw } from "./raw-http";
import type { FuzzAnswer } from "./response-contract";
import type { RootField } from "./schema-operations";

/** How long a subscription may stay silent while its events are being published; only a bound. */
const FIRST_EVENT_BOUND_MS = 10_000;
const REPUBLISH_EVERY_MS = 20;

export interface OperationRequest {
  readonly field: RootField;
  readonly document: string;
  readonly variables: Record<string, unknown>;
  /** The Authorization header, or null for none. */
  readonly authorization: string | null;
}

export interface SentOperation {
  readonly requestId: string;
  readonly answer: FuzzAnswer;
}

/**
 * Sends one fuzzed operation as a client would: queries and mutations as a
 * JSON POST, subscriptions over SSE until their first event (published here
 * to match the subscription's own filter, as a job process would) or their refusal.
 */
export async function sendOperation(api: TestApi, request: OperationRequest): Promise<SentOperation> {
  const requestId = `fuzz-${randomUUID()}`;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-request-id": requestId,
    accept:
      request.field.operation === "subscription"
        ? "text/event-stream"
        : "application/graphql-response+json, application/json",
  };
  if (request.authorization !== null) {
    headers.authorization = request.authorization;
  }
  const body = JSON.stringify({ query: request.document, variables: request.variables });
  if (request.field.operation !== "subscription") {
    const answer = await sendRaw(api.origin, {
      method: "POST",
      path: "/graphql",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      body: Buffer.from(body),
    });
    return { requestId, answer };
  }
  return { requestId, answer: await firstSubscriptionAnswer(api, request, headers, body) };
}

async function firstSubscriptionAnswer(
  api: TestApi,
  request: OperationRequest,
  headers: Record<string, string>,
  body: string,
): Promise<FuzzAnswer> {
  const abort = new AbortController();
  const bound = setTimeout(() => abort.abort(new Error("bound")), FIRST_EVENT_BOUND_MS);
  let pump: NodeJS.Timeout | undefined;
  try {
    const response = await fetch(api.url, { method: "POST", headers, body, signal: abort.signal });
    if (
      !(response.headers.get("content-type") ?? "").includes("text/event-stream") ||
      response.body === null
    ) {
      return { status: response.status, body: parseJson(await response.text()) };
    }
    pump = setInterval(() => publishMatching(api, request.field, request.variables), REPUBLISH_EVERY_MS);
    publishMatching(api, request.field, request.variables);
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = response.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer += decoder.decode(chunk.value, { stream: true });
      const data = /(?:^|\n)data:(.*)\n/.exec(buffer)?.[1];
      if (data !== undefined) {
        return { status: response.status, body: parseJson(data.trim()) };
      }
    }
    return { status: response.status, body: null, dropped: "the event stream ended without an event" };
  } catch (error) {
    const bounded = abort.signal.aborted;
    return {
      status: 0,
      body: null,
      dropped: bounded
        ? `no event and no refusal within ${FIRST_EVENT_BOUND_MS} ms`
        : error instanceof Error
          ? error.message
          : String(error),
    };
  } finally {
    clearTimeout(bound);
    clearInterval(pump);
    abort.abort();
  }
}

/** The id argument as graphql-js coerces an ID (an integer becomes its digits). */
function idArgument(value: unknown): string | null {
  if (typeof value === "string") {
    return value;
  }
  return typeof value === "number" && Number.isInteger(value) ? String(value) : null;
}

/** Publishes one payload on the subscription's topic that its filter lets through. */
export function publishMatching(api: TestApi, field: RootField, variables: Record<string, unknown>): void {
  const { pubsub } = api.app.deps;
  const id = idArgument(variables.id);
  switch (field.name) {
    case "workerChanged":
      pubsub.publish(TOPICS.workerChanged, id === null ? aWorker() : aWorker({ id }));
      return;
    case "fleetEvents":
      pubsub.publish(TOPICS.fleetEvent, {
        ...anEvent({ workerId: idArgument(variables.workerId) }),
        id: "1",
      });
      return;
    case "jobUpdated":
      pubsub.publish(TOPICS.jobUpdated, {
        id: id ?? "stop.fuzz",
        name: "stop",
        workerId: null,
        state: "WAITING",
        progress: null,
        step: null,
        attempts: 0,
        failedReason: null,
        createdAt: new Date(),
        startedAt: null,
        finishedAt: null,
      });
      return;
    default:
      throw new Error(`no topic known for subscription ${field.name}: teach publishMatching about it`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
