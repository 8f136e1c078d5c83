import { type DocumentNode, type ExecutionResult, getOperationAST } from "graphql";
import type { WebSocket } from "ws";
import type { GraphQLContext } from "../graphql/context";
import type { SocketOutbox } from "./socket-outbox";

/**
 * Subscribers that asked the same thing (the same document, operation name
 * and variables) and may see the same things (the same role, and for a USER
 * the same owners) would get byte for byte the same messages, apart from
 * their operation's id. So they share one execution per event and one JSON
 * string of its result: with a thousand monitors watching the fleet, an event
 * costs one execution and one JSON.stringify, and each socket gets the shared
 * string with its own id around it. graphql-ws still runs each subscriber's
 * operation (its checks, its errors, its complete) around a stream that
 * yields nothing itself: the `next` messages go straight to the socket.
 */
export interface SubscriptionSharing {
  /**
   * The stream graphql-ws iterates for one subscriber whose own execution is
   * `own`: it becomes the shared execution of `key` when there is none yet
   * (and `afterEvent` is called after each of its events), else it is ended
   * at once and the subscriber joins the one running.
   */
  join(
    key: string,
    own: AsyncIterable<ExecutionResult>,
    subscriber: Subscriber,
    afterEvent: () => void,
  ): AsyncGenerator<ExecutionResult>;
}

/** Where one subscriber's messages go. */
export interface Subscriber {
  readonly socket: WebSocket;
  /** The operation's id, as the client chose it. */
  readonly id: string;
}

export interface SubscriptionSharingOptions {
  /** Where each subscriber's messages go: written once per turn, and a reader too slow is closed there. */
  readonly outbox: SocketOutbox;
}

/** How a shared execution ended, for every subscriber still on it. */
type Ending = { readonly kind: "complete" } | { readonly kind: "error"; readonly error: unknown };

interface Member {
  readonly subscriber: Subscriber;
  /** `{"id":<id>,"type":"next","payload":`: the part of each message that is the subscriber's own. */
  readonly head: string;
  end(ending: Ending): void;
}

interface SharedExecution {
  readonly members: Set<Member>;
  readonly source: AsyncIterator<ExecutionResult>;
  readonly afterEvent: () => void;
}

export function createSubscriptionSharing(options: SubscriptionSharingOptions): SubscriptionSharing {
  const executions = new Map<string, SharedExecution>();

  function deliver(member: Member, payload: string): void {
    const { socket } = member.subscriber;
    if (socket.readyState !== socket.OPEN) {
      return;
    }
    options.outbox.post(socket, `${member.head}${payload}}`);
  }

  async function pump(key: string, execution: SharedExecution): Promise<void> {
    let ending: Ending = { kind: "complete" };
    try {
      for (;;) {
        const step = await execution.source.next();
        if (step.done === true) {
          break;
        }
        // GraphQLError#toJSON gives the errors as graphql-ws would send them.
        const payload = JSON.stringify(step.value);
        for (const member of execution.members) {
          deliver(member, payload);
        }
        execution.afterEvent();
      }
    } catch (error) {
      ending = { kind: "error", error };
    }
    if (executions.get(key) === execution) {
      executions.delete(key);
    }
    for (const member of execution.members) {
      member.end(ending);
    }
    execution.members.clear();
  }

  function leave(key: string, execution: SharedExecution, member: Member): void {
    if (!execution.members.delete(member)) {
      return;
    }
    if (execution.members.size > 0) {
      return;
    }
    // The last one gone: nobody is left to execute for, and a later subscriber starts afresh.
    if (executions.get(key) === execution) {
      executions.delete(key);
    }
    endQuietly(execution.source);
  }

  return {
    join(key, own, subscriber, afterEvent) {
      let execution = executions.get(key);
      if (execution === undefined) {
        execution = { members: new Set(), source: own[Symbol.asyncIterator](), afterEvent };
        executions.set(key, execution);
        void pump(key, execution);
      } else {
        // Its checks have passed (graphql-ws ran them); its own pub/sub listener is not needed.
        endQuietly(own[Symbol.asyncIterator]());
      }
      const stream = memberStream();
      const member: Member = {
        subscriber,
        head: `{"id":${JSON.stringify(subscriber.id)},"type":"next","payload":`,
        end: stream.end,
      };
      const joined = execution;
      joined.members.add(member);
      stream.onReturn(() => leave(key, joined, member));
      return stream.generator;
    },
  };
}

/** Ends an execution's stream; a failure to end one nobody listens to any more is of no consequence. */
function endQuietly(stream: AsyncIterator<ExecutionResult>): void {
  Promise.resolve(stream.return?.()).catch(() => undefined);
}

/**
 * The stream graphql-ws iterates for one subscriber: it yields nothing (the
 * messages went to the socket already) and finishes as the shared execution
 * does, or as soon as graphql-ws returns it (the client completed the
 * operation or went away). An async generator function cannot be used: its
 * `return()` waits while the generator is suspended at an await.
 */
function memberStream() {
  let settle: ((ending: Ending) => void) | null = null;
  let ended: Ending | null = null;
  let onReturn: () => void = () => undefined;
  const finished = new Promise<Ending>((resolve) => {
    settle = resolve;
  });

  function end(ending: Ending): void {
    if (ended !== null) {
      return;
    }
    ended = ending;
    settle?.(ending);
  }

  const done = (): IteratorResult<ExecutionResult, undefined> => ({ done: true, value: undefined });

  const generator: AsyncGenerator<ExecutionResult, undefined> = {
    async next() {
      const ending = await finished;
      if (ending.kind === "error") {
        throw ending.error;
      }
      return done();
    },
    async return() {
      end({ kind: "complete" });
      onReturn();
      return done();
    },
    async throw(error: unknown) {
      end({ kind: "complete" });
      onReturn();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return generator;
    },
    async [Symbol.asyncDispose]() {
      await generator.return(undefined);
    },
  };

  return {
    generator,
    end,
    onReturn(listener: () => void) {
      onReturn = listener;
    },
  };
}

/** What a subscriber asked, as graphql-ws received it. */
export interface SubscribeRequest {
  readonly query: string;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

/**
 * The key under which subscribers share an execution, or null when this
 * operation is not shared (a query or mutation, or no credential). Everything
 * that decides what a subscriber may see is in it: the role, and for a USER
 * the owners its reads are narrowed to (so a USER never shares with another
 * owner, nor with a ranked role); everything that decides what it asked for
 * too (the text of the document, the operation name, the variables).
 */
export function shareKeyOf(
  context: GraphQLContext,
  document: DocumentNode,
  request: SubscribeRequest,
): string | null {
  const principal = context.access.principal;
  if (principal === null || getOperationAST(document, request.operationName)?.operation !== "subscription") {
    return null;
  }
  const owners = context.access.ownerScope();
  return JSON.stringify([
    principal.role,
    owners === null ? null : [...owners].sort(),
    request.operationName ?? null,
    request.query,
    request.variables ?? {},
  ]);
}
