import fc from "fast-check";
import { REQUEST_LIMITS } from "../../src/http/limits";
import { hostileString, rarely, wrongTyped } from "./hostile-values";
import type { OperationCase } from "./operation-cases";
import { operationOf } from "./operation-cases";

/** One frame the fuzz sends: text (JSON or not) or binary. */
export type Frame =
  | { readonly kind: "text"; readonly text: string; readonly subscribe?: SubscribeIntent }
  | { readonly kind: "binary"; readonly bytes: Uint8Array };

/** What a subscribe frame asked for, so the conversation knows which answers to wait for. */
export interface SubscribeIntent {
  readonly id: string;
  readonly operation: OperationCase;
}

export interface Conversation {
  readonly protocol: string | null;
  readonly frames: readonly Frame[];
}

const text = (value: unknown): Frame => ({ kind: "text", text: JSON.stringify(value) ?? "null" });

function connectionInit(authorization: fc.Arbitrary<unknown>): fc.Arbitrary<Frame> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: authorization.map((auth) =>
        text({ type: "connection_init", payload: { authorization: auth } }),
      ),
    },
    { weight: 1, arbitrary: fc.constant(text({ type: "connection_init" })) },
    { weight: 1, arbitrary: wrongTyped.map((payload) => text({ type: "connection_init", payload })) },
  );
}

/** A subscribe frame with a generated operation; its id is sometimes broken. */
function subscribe(operation: fc.Arbitrary<OperationCase>, index: number): fc.Arbitrary<Frame> {
  return fc
    .record({
      operation,
      // Never null itself: null is what `rarely` answers for "not broken".
      brokenId: rarely(fc.oneof(fc.constantFrom<unknown>("", false, 1, {}), hostileString(false)), 10),
      brokenPayload: rarely(
        wrongTyped.filter((value) => value !== null),
        12,
      ),
    })
    .map(({ operation: fuzzCase, brokenId, brokenPayload }) => {
      const { document, variables } = operationOf(fuzzCase);
      const id = brokenId ?? `op-${index}`;
      const payload = brokenPayload ?? { query: document, variables };
      const frame: Frame = { kind: "text", text: JSON.stringify({ type: "subscribe", id, payload }) };
      // Any subscribe with a text id and a real operation may run, a hostile id included: it is awaited.
      return typeof id === "string" && brokenPayload === null
        ? { ...frame, subscribe: { id, operation: fuzzCase } }
        : frame;
    });
}

/** Frames that break the protocol: not JSON, unknown types, binary, oversized, out of order. */
const brokenFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc
    .constantFrom("{", "", "null", "[]", "42", '"connection_init"', "\u0000")
    .map((raw): Frame => ({ kind: "text", text: raw })),
  fc
    .constantFrom("connection_ack", "next", "error", "start", "stop", "connection_terminate", "ka", "")
    .map((type) => text({ type, id: "op-0", payload: {} })),
  fc.record({ type: fc.constantFrom("ping", "pong"), payload: wrongTyped }).map(text),
  fc.constantFrom("op-0", "op-1", "missing", "").map((id) => text({ type: "complete", id })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): Frame => ({ kind: "binary", bytes })),
  fc
    .constantFrom(REQUEST_LIMITS.maxBodyBytes - 64, REQUEST_LIMITS.maxBodyBytes + 1)
    .map((size) => text({ type: "ping", payload: { pad: "x".repeat(size) } })),
  hostileString(false).map((raw): Frame => ({ kind: "text", text: raw })),
);

/**
 * A conversation: mostly a proper start (connection_init, then operations),
 * with broken frames mixed in, a second init, or operations before any init.
 */
export function conversation(
  operation: fc.Arbitrary<OperationCase>,
  authorization: fc.Arbitrary<unknown>,
): fc.Arbitrary<Conversation> {
  const frames = fc
    .tuple(
      fc.option(connectionInit(authorization), { freq: 8 }), // left out once in 8
      fc.array(
        fc.oneof(
          { weight: 5, arbitrary: fc.nat({ max: 9 }).chain((index) => subscribe(operation, index)) },
          { weight: 2, arbitrary: brokenFrame },
          { weight: 1, arbitrary: connectionInit(authorization) },
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([init, rest]) => (init === null ? rest : [init, ...rest]));
  return fc.record({
    protocol: fc.oneof(
      { weight: 10, arbitrary: fc.constant<string | null>("graphql-transport-ws") },
      { weight: 1, arbitrary: fc.constantFrom<string | null>(null, "graphql-ws", "nonsense") },
    ),
    frames,
  });
}
