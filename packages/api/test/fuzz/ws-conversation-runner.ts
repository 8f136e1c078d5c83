import WebSocket from "ws";
import type { TestApi } from "../graphql/support/test-fleet";
import { operationOf } from "./operation-cases";
import { publishMatching } from "./operation-sender";
import type { ErrorJson } from "./response-contract";
import type { Conversation, SubscribeIntent } from "./ws-conversations";

/** How long a conversation may wait for its answers; only a bound (a live subscription is fed events). */
const ANSWER_BOUND_MS = 10_000;
const REPUBLISH_EVERY_MS = 20;

export interface ConversationOutcome {
  /** Every message the server sent, parsed. */
  readonly received: readonly {
    readonly type?: unknown;
    readonly id?: unknown;
    readonly payload?: unknown;
  }[];
  /** The close code and reason, or null when the server left the socket open. */
  readonly closed: { readonly code: number; readonly reason: string } | null;
  /** Subscribe ids that got no next, error or complete while the socket stayed open. */
  readonly unanswered: readonly string[];
  /**
   * Subscribe ids that got no answer at all, the socket open or not: an
   * operation may have run without its answer reaching the client (its own
   * broken frame closed the socket first), so such a conversation says nothing about refusals.
   */
  readonly unresolved: readonly string[];
  /** The socket could not be opened at all (refused upgrade), with why. */
  readonly upgradeRefused: string | null;
}

/**
 * Plays one conversation on a fresh socket: sends every frame, then waits
 * until the server closed it or answered each well-formed subscribe (feeding
 * live subscriptions an event that matches them), bounded.
 */
export function runConversation(api: TestApi, conversation: Conversation): Promise<ConversationOutcome> {
  // A subscribe the client itself completes later owes it no answer.
  const cancelled = new Set(
    conversation.frames.flatMap((frame) => {
      const message = frame.kind === "text" ? parseMessage(frame.text) : {};
      return message.type === "complete" && typeof message.id === "string" ? [message.id] : [];
    }),
  );
  const intents: SubscribeIntent[] = conversation.frames.flatMap((frame) =>
    frame.kind === "text" && frame.subscribe !== undefined && !cancelled.has(frame.subscribe.id)
      ? [frame.subscribe]
      : [],
  );
  return new Promise((resolve) => {
    const socket =
      conversation.protocol === null
        ? new WebSocket(api.wsUrl)
        : new WebSocket(api.wsUrl, conversation.protocol);
    const received: { type?: unknown; id?: unknown; payload?: unknown }[] = [];
    const answered = new Set<string>();
    let closed: { code: number; reason: string } | null = null;
    let upgradeRefused: string | null = null;
    let settled = false;

    const pump = setInterval(() => {
      for (const intent of intents) {
        if (intent.operation.field.operation === "subscription" && !answered.has(intent.id)) {
          publishMatching(api, intent.operation.field, operationOf(intent.operation).variables);
        }
      }
    }, REPUBLISH_EVERY_MS);
    const finish = () => {
      if (settled) {
        return;
      }
      settled = true;
      clearInterval(pump);
      clearTimeout(bound);
      acknowledged();
      // Only an open socket can leave a subscribe hanging: a closed or never-opened one ended the conversation.
      const unanswered =
        closed === null && upgradeRefused === null
          ? intents.map((intent) => intent.id).filter((id) => !answered.has(id))
          : [];
      socket.removeAllListeners("close");
      socket.on("error", () => undefined);
      socket.terminate();
      const unresolved = intents.map((intent) => intent.id).filter((id) => !answered.has(id));
      resolve({
        received,
        closed,
        unanswered: [...new Set(unanswered)],
        unresolved: [...new Set(unresolved)],
        upgradeRefused,
      });
    };
    const bound = setTimeout(finish, ANSWER_BOUND_MS);

    // A client waits for connection_ack before its first subscribe (else 4401 by the protocol); so does the fuzz.
    let acknowledged: () => void = () => undefined;
    const ack = new Promise<void>((resolve) => {
      acknowledged = resolve;
    });
    socket.on("open", async () => {
      let initialised = false;
      for (const frame of conversation.frames) {
        if (settled) {
          return;
        }
        socket.send(frame.kind === "text" ? frame.text : frame.bytes);
        if (!initialised && frame.kind === "text" && isConnectionInit(frame.text)) {
          initialised = true;
          await ack;
        }
      }
      if (intents.length === 0 && !settled) {
        // Nothing to wait for but a close the server may be about to send: a ping's pong settles it.
        socket.send(JSON.stringify({ type: "ping" }));
      }
    });
    socket.on("message", (data, isBinary) => {
      const message = parseMessage(isBinary ? null : data.toString());
      received.push(message);
      if (message.type === "connection_ack") {
        acknowledged();
      }
      if (typeof message.id === "string" && ["next", "error", "complete"].includes(String(message.type))) {
        answered.add(message.id);
      }
      if (
        intents.every((intent) => answered.has(intent.id)) &&
        (intents.length > 0 || message.type === "pong")
      ) {
        finish();
      }
    });
    socket.on("unexpected-response", (_request, response) => {
      upgradeRefused = `HTTP ${response.statusCode ?? 0}`;
      finish();
    });
    socket.on("error", (error) => {
      upgradeRefused ??= error.message;
      finish();
    });
    socket.on("close", (code, reason) => {
      closed = { code, reason: reason.toString() };
      finish();
    });
  });
}

function isConnectionInit(text: string): boolean {
  const message = parseMessage(text);
  return message.type === "connection_init";
}

function parseMessage(text: string | null): { type?: unknown; id?: unknown; payload?: unknown } {
  if (text === null) {
    return { type: "(binary)" };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? parsed : { type: "(not an object)" };
  } catch {
    return { type: "(not JSON)" };
  }
}

/** The GraphQL errors in the server's messages: `error` payloads and `next` payloads' errors. */
export function errorsIn(outcome: ConversationOutcome): ErrorJson[] {
  return outcome.received.flatMap((message) => {
    if (message.type === "error" && Array.isArray(message.payload)) {
      return message.payload as ErrorJson[];
    }
    if (
      message.type === "next" &&
      typeof message.payload === "object" &&
      message.payload !== null &&
      "errors" in message.payload &&
      Array.isArray(message.payload.errors)
    ) {
      return message.payload.errors as ErrorJson[];
    }
    return [];
  });
}

/** True when some `next` carried data for a root field: the conversation was not only refusals. */
export function deliveredData(outcome: ConversationOutcome): boolean {
  return outcome.received.some(
    (message) =>
      message.type === "next" &&
      typeof message.payload === "object" &&
      message.payload !== null &&
      "data" in message.payload &&
      typeof message.payload.data === "object" &&
      message.payload.data !== null &&
      Object.values(message.payload.data).some((value) => value !== null),
  );
}
