import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NotFoundError } from "@cml-fleet/core/errors";
import type { CallObserver } from "@cml-fleet/core/ports/call-observer.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { FleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import { createMetricsHandler, METRICS_PATH } from "@cml-fleet/platform/observability/metrics-handler";
import type { Tracer } from "@opentelemetry/api";
import { createSchema, createYoga } from "graphql-yoga";
import { useGraphqlObservability } from "../../../src/observability/graphql-observability.plugin";

export interface ObservedYogaDeps {
  readonly metrics: FleetMetrics;
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly observer: CallObserver;
  readonly beforeScrape?: () => Promise<void>;
}

export interface ObservedYoga {
  readonly url: string;
  graphql(
    body: { query: string; operationName?: string },
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A yoga server with the observability plugin and /metrics routed beside it,
 * as the API server does, over a small schema: a query that makes an AWS
 * call, one that fails with a typed error, and a mutation that crashes.
 */
export async function startObservedYoga(deps: ObservedYogaDeps): Promise<ObservedYoga> {
  let requests = 0;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { hello: String!, missing: String }
        type Mutation { crash: Boolean }
      `,
      resolvers: {
        Query: {
          hello: () => {
            // A service logging with the process logger, not the request's child logger.
            deps.logger.info({}, "saying hello");
            deps.observer.onCall({ upstream: "ec2", operation: "DescribeInstances", durationMs: 2 });
            return "world";
          },
          missing: () => {
            throw new NotFoundError("worker", "w-1");
          },
        },
        Mutation: {
          crash: () => {
            throw new Error("the database went away");
          },
        },
      },
    }),
    logging: false,
    maskedErrors: false,
    context: () => {
      requests += 1;
      const requestId = `req-${requests}`;
      return { requestId, logger: deps.logger.child({ requestId }) };
    },
    plugins: [useGraphqlObservability({ metrics: deps.metrics, tracer: deps.tracer, maxOperationNames: 3 })],
  });
  const metricsHandler = createMetricsHandler({
    registry: deps.metrics.registry,
    beforeScrape: deps.beforeScrape,
    logger: deps.logger,
  });
  const server: Server = createServer((request, response) => {
    if (new URL(request.url ?? "/", "http://localhost").pathname === METRICS_PATH) {
      metricsHandler(request, response);
      return;
    }
    void yoga.requestListener(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/graphql`,
    async graphql(body, headers = {}) {
      const response = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async scrape() {
      const response = await fetch(`${base}${METRICS_PATH}`);
      if (response.status !== 200) {
        throw new Error(`/metrics answered ${response.status}`);
      }
      return response.text();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
