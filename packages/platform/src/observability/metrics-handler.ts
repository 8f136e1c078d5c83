import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Registry } from "prom-client";
import { closeServer, type ListenOptions, listen } from "../http/listen";

export const METRICS_PATH = "/metrics";

export interface MetricsHandlerDeps {
  readonly registry: Registry;
  /** Runs before each scrape renders (the fleet gauges read the database here). */
  readonly beforeScrape?: (() => Promise<void>) | undefined;
  readonly logger: Logger;
}

export type MetricsHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Answers a Prometheus scrape in the text exposition format. */
export function createMetricsHandler(deps: MetricsHandlerDeps): MetricsHandler {
  const render = async (): Promise<string> => {
    await deps.beforeScrape?.();
    return deps.registry.metrics();
  };
  return (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    render().then(
      (body) => {
        response.writeHead(200, {
          "content-type": deps.registry.contentType,
          "cache-control": "no-store",
        });
        response.end(request.method === "HEAD" ? undefined : body);
      },
      (error: unknown) => {
        deps.logger.error({ err: error }, "could not render the metrics");
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("metrics unavailable\n");
      },
    );
  };
}

export interface RunningMetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * /metrics on a port of its own, for a process without the API's HTTP server
 * (a job process started on its own). Anything else is a 404.
 */
export async function startMetricsServer(
  handler: MetricsHandler,
  options: ListenOptions,
): Promise<RunningMetricsServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path === METRICS_PATH) {
      handler(request, response);
      return;
    }
    response.writeHead(404).end();
  });
  const { origin } = await listen(server, options);
  return {
    url: `${origin}${METRICS_PATH}`,
    close: () => closeServer(server),
  };
}
