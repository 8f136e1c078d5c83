import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, type ListenOptions, listen } from "@cml-fleet/platform/http/listen";
import { METRICS_PATH } from "@cml-fleet/platform/observability/metrics-handler";
import { WebSocketServer } from "ws";
import type { AuthenticatorDeps } from "../auth/authenticate";
import type { ContextDeps } from "../graphql/context-factory";
import type { ApiObservability } from "../observability/api-observability";
import { createFleetYoga, type FleetYoga, GRAPHQL_PATH } from "./fleet-yoga";
import { serveGraphqlWs } from "./graphql-ws";
import { answerHealth, answerReadiness, type ReadinessCheck } from "./health";
import { REQUEST_LIMITS } from "./limits";
import { refuseOversizedBody } from "./request-size";

export { GRAPHQL_PATH };

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
