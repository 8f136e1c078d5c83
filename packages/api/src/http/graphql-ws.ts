import { type ExecutionArgs, GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { WebSocketServer } from "ws";
import { type Authentication, authenticate } from "../auth/authenticate";
import { requestIdFrom } from "../graphql/context-factory";
import type { FleetYoga } from "./fleet-yoga";
import type { ApiServerDeps } from "./server";

/**
 * graphql-ws on the yoga envelop: the same schema, plugins (limits, error
 * mapping) and context as HTTP. The credential comes from the connection
 * params, checked once per connection.
 */
export function serveGraphqlWs(deps: ApiServerDeps, yoga: FleetYoga, sockets: WebSocketServer) {
  return useServer<Record<string, unknown>, { authentication: Authentication }>(
    {
      onConnect: async (ctx) => {
        ctx.extra.authentication = await authenticate(
          deps.authentication,
          ctx.connectionParams?.authorization,
        );
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({
          ...ctx,
          // onConnect always sets it; failing closed keeps a future refactor from opening a hole.
          authentication: ctx.extra.authentication ?? {
            kind: "rejected",
            reason: "connection was not initialised",
          },
          requestId: requestIdFrom(null),
          params: payload,
        });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [asGraphQLError(error)];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) {
          return errors;
        }
        let contextValue: Awaited<ReturnType<typeof enveloped.contextFactory>>;
        try {
          contextValue = await enveloped.contextFactory();
        } catch (error) {
          return [asGraphQLError(error)];
        }
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        return args;
      },
      execute: (args) => envelopedRoot(args.rootValue).execute(args),
      subscribe: (args) => envelopedRoot(args.rootValue).subscribe(args),
    },
    sockets,
  );
}

/** The per-operation execute/subscribe of the envelop, carried from onSubscribe in the root value. */
type Enveloped = ReturnType<FleetYoga["getEnveloped"]>;
interface EnvelopedRoot {
  execute: Enveloped["execute"];
  subscribe: Enveloped["subscribe"];
}

function envelopedRoot(rootValue: unknown): EnvelopedRoot {
  if (
    typeof rootValue === "object" &&
    rootValue !== null &&
    "execute" in rootValue &&
    typeof rootValue.execute === "function" &&
    "subscribe" in rootValue &&
    typeof rootValue.subscribe === "function"
  ) {
    return rootValue as EnvelopedRoot;
  }
  throw new Error("graphql-ws operation without its enveloped root value");
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) {
    return error;
  }
  return new GraphQLError(error instanceof Error ? error.message : "invalid request", {
    extensions: { code: "BAD_USER_INPUT" },
  });
}
