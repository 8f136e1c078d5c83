import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { closeServer, type ListenOptions, listen } from "@cml-fleet/platform/http/listen";
import { METRICS_PATH } from "@cml-fleet/platform/observability/metrics-handler";
import { type ExecutionArgs, GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { WebSocketServer } from "ws";
import { type Authentication, type AuthenticatorDeps, authenticate } from "../auth/authenticate";
import type { GraphQLContext } from "../graphql/context";
import { buildContext, type ContextDeps, requestIdFrom } from "../graphql/context-factory";
import { maskUnlessFleetError, useContractErrors } from "../graphql/error-mapping";
import { schema } from "../graphql/schema/index";
import type { ApiObservability } from "../observability/api-observability";
import { answerHealth, answerReadiness, type ReadinessCheck } from "./health";
import { REQUEST_LIMITS, requestLimitPlugins } from "./limits";
import { refuseOversizedBody } from "./request-size";

export const GRAPHQL_PATH = "/graphql";

export interface ApiServerDeps extends ContextDeps {
  readonly authentication: AuthenticatorDeps;
  /** What /readyz checks (Postgres and Redis). */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /** Serve GraphiQL on GET /graphql (development only). */
  readonly graphiql: boolean;
  /** Metrics and traces of GraphQL operations, and GET /metrics; none when not given. */
  readonly observability?: ApiObservability | undefined;
}

export interface RunningApiServer {
  /** e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, ends open subscriptions and connections; the caller closes Redis and the database after. */
  close(): Promise<void>;
}

/** What the HTTP and WebSocket paths hand to the context: the checked credential and the request id. */
interface ServerContext {
  readonly authentication?: Authentication;
  readonly requestId?: string;
}

type FleetYoga = YogaServerInstance<ServerContext, GraphQLContext>;

function createFleetYoga(deps: ApiServerDeps): FleetYoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: deps.graphiql,
    landingPage: false,
    maskedErrors: { maskError: maskUnlessFleetError },
    logging: yogaLogger(deps.logger),
    plugins: [
      ...requestLimitPlugins(),
      ...(deps.observability === undefined ? [] : [deps.observability.plugin]),
      useContractErrors(),
    ],
    context: async (initial) => {
      const requestId = initial.requestId ?? requestIdFrom(initial.request.headers.get("x-request-id"));
      const authentication =
        initial.authentication ??
        (await authenticate(deps.authentication, initial.request.headers.get("authorization")));
      return buildContext(deps, authentication, requestId);
    },
  });
}

/** Starts the API (GraphQL over HTTP, SSE and graphql-ws on one path, plus /healthz and /readyz). */
export async function startApiServer(deps: ApiServerDeps, options: ListenOptions): Promise<RunningApiServer> {
  const yoga = createFleetYoga(deps);
  const server = createServer((request, response) => route(deps, yoga, request, response));
  const sockets = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    maxPayload: REQUEST_LIMITS.maxBodyBytes,
  });
  const graphqlWs = serveGraphqlWs(deps, yoga, sockets);

  const { port, address, origin } = await listen(server, options);
  deps.logger.info({ port, address }, "API listening");

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}${GRAPHQL_PATH}`,
    port,
    // Idempotent: a signal handler and a test teardown may both ask.
    close: () => {
      closing ??= (async () => {
        await graphqlWs.dispose();
        await new Promise<void>((resolve) => sockets.close(() => resolve()));
        await closeServer(server);
        await yoga.dispose();
      })();
      return closing;
    },
  };
}

function route(
  deps: ApiServerDeps,
  yoga: FleetYoga,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  if (request.method === "GET" && path === "/healthz") {
    answerHealth(response);
    return;
  }
  if (request.method === "GET" && path === "/readyz") {
    answerReadiness(response, deps.readiness).catch((error: unknown) => {
      deps.logger.error({ err: error }, "readiness check failed");
      response.destroy();
    });
    return;
  }
  if (request.method === "GET" && path === METRICS_PATH && deps.observability !== undefined) {
    deps.observability.metricsHandler(request, response);
    return;
  }
  if (refuseOversizedBody(request, response, REQUEST_LIMITS.maxBodyBytes)) {
    return;
  }
  Promise.resolve(yoga.requestListener(request, response)).catch((error: unknown) => {
    deps.logger.error({ err: error }, "request handling failed");
    response.destroy();
  });
}

/**
 * graphql-ws on the yoga envelop: the same schema, plugins (limits, error
 * mapping) and context as HTTP. The credential comes from the connection
 * params, checked once per connection.
 */
function serveGraphqlWs(deps: ApiServerDeps, yoga: FleetYoga, sockets: WebSocketServer) {
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

function yogaLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug({ yoga: args }, "graphql-yoga"),
    info: (...args: unknown[]) => logger.info({ yoga: args }, "graphql-yoga"),
    warn: (...args: unknown[]) => logger.warn({ yoga: args }, "graphql-yoga"),
    error: (...args: unknown[]) => logger.error({ yoga: args }, "graphql-yoga"),
  };
}
