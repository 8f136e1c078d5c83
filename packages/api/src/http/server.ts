import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, type ListenOptions, listen } from "@cml-fleet/platform/http/listen";
import type { QueueInspector } from "@cml-fleet/platform/queue/queue-inspector";
import { WebSocketServer } from "ws";
import type { AuthenticatorDeps } from "../auth/authenticate";
import type { ContextDeps } from "../graphql/context-factory";
import type { ApiObservability } from "../observability/api-observability";
import { createQueueView, type QueueView } from "./admin-queues";
import type { EdgeOptions } from "./edge-options";
import { createFleetYoga, type FleetYoga, GRAPHQL_PATH } from "./fleet-yoga";
import { serveGraphqlWs } from "./graphql-ws";
import type { ReadinessCheck } from "./health";
import { REQUEST_LIMITS } from "./limits";
import { answerOperatorEndpoint } from "./operator-endpoints";
import { refuseMalformedQueryString, refuseOversizedBody } from "./request-guards";

export { GRAPHQL_PATH };

export interface ApiServerDeps extends ContextDeps {
  readonly authentication: AuthenticatorDeps;
  /** What /readyz checks (Postgres and Redis). */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /** CORS, introspection, GraphiQL, the rate limit, and where /metrics and /readyz details are served. */
  readonly edge: EdgeOptions;
  /** Metrics and traces of GraphQL operations, and GET /metrics; none when not given. */
  readonly observability?: ApiObservability | undefined;
  /** BullMQ's queues as the ADMIN queue view at /admin/queues reads them; no view when not given. */
  readonly queues?: QueueInspector | undefined;
}

export interface RunningApiServer {
  /** e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  readonly port: number;
  /** e.g. http://127.0.0.1:9464 when a metrics port is set (its /metrics, /readyz, /healthz), else null. */
  readonly metricsOrigin: string | null;
  /** Stops accepting, ends open subscriptions and connections; the caller closes Redis and the database after. */
  close(): Promise<void>;
}

/** Starts the API (GraphQL over HTTP, SSE and graphql-ws on one path, plus /healthz, /readyz and /admin/queues). */
export async function startApiServer(deps: ApiServerDeps, options: ListenOptions): Promise<RunningApiServer> {
  const yoga = createFleetYoga(deps);
  const queueView = createQueueView(deps);
  const server = createServer((request, response) => route(deps, yoga, queueView, request, response));
  const sockets = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    maxPayload: REQUEST_LIMITS.maxBodyBytes,
  });
  const graphqlWs = serveGraphqlWs(deps, yoga, sockets);

  const { port, address, origin } = await listen(server, options);
  deps.logger.info({ port, address }, "API listening");
  const metrics = await startMetricsListener(deps, options, server);

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}${GRAPHQL_PATH}`,
    port,
    metricsOrigin: metrics?.origin ?? null,
    // Idempotent: a signal handler and a test teardown may both ask.
    close: () => {
      closing ??= (async () => {
        await graphqlWs.dispose();
        await new Promise<void>((resolve) => sockets.close(() => resolve()));
        await closeServer(server);
        if (metrics !== null) {
          await closeServer(metrics.server);
        }
        await yoga.dispose();
      })();
      return closing;
    },
  };
}

/**
 * The metrics port, when set: /metrics, /healthz and /readyz with details, for
 * the monitoring network (listening on the API's host). Closes the API's
 * listener again when it cannot listen, so a failed start leaves nothing open.
 */
async function startMetricsListener(deps: ApiServerDeps, options: ListenOptions, api: Server) {
  if (deps.edge.metricsPort === 0) {
    return null;
  }
  const server = createServer((request, response) => {
    if (!answerOperatorEndpoint(deps, "metrics", request, response)) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  try {
    const { origin } = await listen(server, { port: deps.edge.metricsPort, host: options.host });
    deps.logger.info({ origin }, "metrics listening");
    return { server, origin };
  } catch (error) {
    await closeServer(api);
    throw error;
  }
}

function route(
  deps: ApiServerDeps,
  yoga: FleetYoga,
  queueView: QueueView | null,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (answerOperatorEndpoint(deps, "public", request, response)) {
    return;
  }
  if (
    refuseOversizedBody(request, response, REQUEST_LIMITS.maxBodyBytes) ||
    refuseMalformedQueryString(request, response)
  ) {
    return;
  }
  if (queueView?.answer(request, response)) {
    return;
  }
  Promise.resolve(yoga.requestListener(request, response)).catch((error: unknown) => {
    deps.logger.error({ err: error }, "request handling failed");
    response.destroy();
  });
}
