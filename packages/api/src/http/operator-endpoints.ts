import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { METRICS_PATH } from "@cml-fleet/platform/observability/metrics-handler";
import { authenticate } from "../auth/authenticate";
import { answerHealth, answerReadiness, sendJson } from "./health";
import type { ApiServerDeps } from "./server";

/** Which listener a request came in on: the API's public port, or the metrics port. */
export type Listener = "public" | "metrics";

/**
 * Answers /healthz, /readyz and /metrics when the request is for one of them
 * (returns true), as the listener allows: /metrics on the public port only
 * without a metrics port, behind METRICS_TOKEN when set; /readyz details on
 * the metrics port, and on the public port unless only an ADMIN may see them.
 */
export function answerOperatorEndpoint(
  deps: ApiServerDeps,
  listener: Listener,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  if (request.method !== "GET") {
    return false;
  }
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  if (path === "/healthz") {
    answerHealth(response);
    return true;
  }
  if (path === "/readyz") {
    readinessDetailsFor(deps, listener, request)
      .then((details) => answerReadiness(response, deps.readiness, details))
      .catch((error: unknown) => {
        deps.logger.error({ err: error }, "readiness check failed");
        response.destroy();
      });
    return true;
  }
  const metricsHere = listener === "metrics" || deps.edge.metricsPort === 0;
  if (path === METRICS_PATH && metricsHere && deps.observability !== undefined) {
    if (!metricsTokenAccepted(deps.edge.metricsToken, request.headers.authorization)) {
      sendJson(
        response,
        401,
        { error: "send Authorization: Bearer <METRICS_TOKEN> to read the metrics" },
        { "www-authenticate": 'Bearer realm="metrics"' },
      );
      return true;
    }
    deps.observability.metricsHandler(request, response);
    return true;
  }
  return false;
}

async function readinessDetailsFor(
  deps: ApiServerDeps,
  listener: Listener,
  request: IncomingMessage,
): Promise<boolean> {
  if (listener === "metrics" || deps.edge.readinessDetails === "everyone") {
    return true;
  }
  if (request.headers.authorization === undefined) {
    return false;
  }
  // When Postgres is the dependency that is down, the token cannot be checked: status only.
  const authentication = await authenticate(deps.authentication, request.headers.authorization).catch(
    () => null,
  );
  return authentication?.kind === "authenticated" && authentication.principal.role === "ADMIN";
}

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function metricsTokenAccepted(token: string | null, authorization: string | undefined): boolean {
  if (token === null) {
    return true;
  }
  const offered = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (offered === undefined) {
    return false;
  }
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(offered), digest(token));
}
