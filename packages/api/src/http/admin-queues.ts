import type { IncomingMessage, ServerResponse } from "node:http";
import { isFleetError, PermissionDeniedError } from "@cml-fleet/core/errors";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import type { QueueInspector } from "@cml-fleet/platform/queue/queue-inspector";
import {
  databaseUnavailableError,
  isDatabaseUnavailable,
} from "@cml-fleet/platform/repositories/database-errors";
import type { Authentication } from "../auth/authenticate";
import type { Principal } from "../auth/principal";
import { requestIdFrom } from "../graphql/context-factory";
import { createQueueViewActions, type QueueViewActions } from "./admin-queues-actions";
import { ASSET_BODIES } from "./admin-queues-assets";
import { ADMIN_QUEUES_REALM, authenticateQueueViewer } from "./admin-queues-credentials";
import { crossSiteReason } from "./admin-queues-csrf";
import { overviewPage, queuePage } from "./admin-queues-page";
import { sendAsset, sendError, sendHtml, sendSafeJson } from "./admin-queues-responses";
import {
  ASSETS,
  isAction,
  isQueueViewPath,
  JOBS_PER_PAGE,
  type QueueViewRoute,
  routeOf,
} from "./admin-queues-routes";
import { clientKey } from "./rate-limit";
import { createRateLimiter } from "./rate-limiter";
import type { ApiServerDeps } from "./server";

export { ADMIN_QUEUES_PATH } from "./admin-queues-routes";

/** The queue view of one API server: answers the requests under /admin/queues. */
export interface QueueView {
  /** Answers the request when it is the view's (returns true), else leaves it to the next handler. */
  answer(request: IncomingMessage, response: ServerResponse): boolean;
}

const ASK_FOR_CREDENTIALS = { "www-authenticate": `Basic realm="${ADMIN_QUEUES_REALM}", charset="UTF-8"` };

/**
 * The ADMIN queue view at /admin/queues (see the README, "Queue view"):
 * pages and JSON reads of BullMQ's queues and jobs, and the actions retry,
 * remove, pause and resume. None when the API has no queue inspector.
 */
export function createQueueView(deps: ApiServerDeps): QueueView | null {
  return deps.queues === undefined ? null : queueViewOn(deps, deps.queues);
}

function queueViewOn(deps: ApiServerDeps, queues: QueueInspector): QueueView {
  const actions = createQueueViewActions({
    queues,
    jobCommands: deps.services.jobCommands,
    audit: deps.audit,
    clock: deps.reads.clock,
  });
  // Its own buckets with the API's limit: a page and its assets cost a few requests, as GraphQL calls do.
  const limiter = createRateLimiter(deps.edge.rateLimit);

  async function serve(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    // Actions carry no body worth reading; let it drain.
    request.resume();
    const requestId = requestIdFrom(request.headers["x-request-id"]?.toString());
    const authentication = await authenticateQueueViewer(deps.authentication, request.headers.authorization);
    const decision = limiter.take(clientKey(authentication, request.socket.remoteAddress ?? "unknown"));
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      sendError(
        response,
        "QUOTA_EXCEEDED",
        `Too many requests from this client: the limit is ${deps.edge.rateLimit.perMinute} a minute. Retry in ${seconds}s.`,
        { "retry-after": String(seconds) },
      );
      return;
    }
    const principal = await admitted(authentication, requestId, response);
    if (principal === null) {
      return;
    }
    const routed = routeOf(request.method ?? "GET", url);
    if (!routed.ok) {
      if ("methodNotAllowed" in routed) {
        sendSafeJson(
          response,
          405,
          { errors: [{ message: `use ${routed.methodNotAllowed}`, extensions: { code: "BAD_USER_INPUT" } }] },
          { allow: routed.methodNotAllowed },
        );
      } else {
        sendError(response, routed.error.code, routed.error.message);
      }
      return;
    }
    const { route } = routed;
    if (isAction(route)) {
      const reason = crossSiteReason(request);
      if (reason !== null) {
        sendError(response, "FORBIDDEN", `Refused as a possible cross-site request: ${reason}.`);
        return;
      }
    }
    if (isAction(route)) {
      deps.logger.info(
        { requestId, actor: principal.name, action: route.to, target: "id" in route ? route.id : route.kind },
        "queue view action",
      );
    }
    await dispatch(route, principal, requestId, response, actions);
  }

  /** The ADMIN principal, or null once the refusal has been answered (and recorded, for a credential). */
  async function admitted(
    authentication: Authentication,
    requestId: string,
    response: ServerResponse,
  ): Promise<Principal | null> {
    if (authentication.kind === "anonymous") {
      sendError(
        response,
        "UNAUTHENTICATED",
        "The queue view needs an ADMIN API token: send Authorization: Bearer <token>, or sign in with the token as the password.",
        ASK_FOR_CREDENTIALS,
      );
      return null;
    }
    if (authentication.kind === "rejected") {
      await record({
        actor: "anonymous",
        role: null,
        operation: "authenticate",
        outcome: "UNAUTHENTICATED",
        errorMessage: authentication.reason,
        requestId,
      });
      sendError(
        response,
        "UNAUTHENTICATED",
        `Not authenticated: ${authentication.reason}`,
        ASK_FOR_CREDENTIALS,
      );
      return null;
    }
    const { principal } = authentication;
    if (principal.role !== "ADMIN") {
      const refusal = new PermissionDeniedError(
        `the queue view needs the ADMIN role (you are ${principal.role})`,
      );
      await record({
        actor: principal.name,
        role: principal.role,
        operation: "adminQueues",
        outcome: refusal.code,
        errorMessage: refusal.message,
        requestId,
      });
      sendError(response, refusal.code, refusal.message);
      return null;
    }
    return principal;
  }

  /** A refusal's audit row; a failed write is logged, never turned into another answer. */
  async function record(entry: Omit<AuditEntry, "at" | "arguments">): Promise<void> {
    await deps.audit
      .record({ ...entry, at: deps.reads.clock.now(), arguments: {} })
      .catch((error: unknown) =>
        deps.logger.error({ err: error, requestId: entry.requestId }, "audit write failed"),
      );
  }

  async function dispatch(
    route: QueueViewRoute,
    principal: Principal,
    requestId: string,
    response: ServerResponse,
    act: QueueViewActions,
  ): Promise<void> {
    const viewer = `${principal.name} (${principal.role})`;
    switch (route.to) {
      case "overview-page":
        return sendHtml(response, 200, overviewPage(await queues.summaries(), viewer));
      case "queue-page": {
        const jobs = await queues.jobs(route.kind, route.state, route.page * JOBS_PER_PAGE, JOBS_PER_PAGE);
        return sendHtml(response, 200, queuePage(route.kind, route.state, route.page, jobs, viewer));
      }
      case "asset":
        return sendAsset(response, ASSETS[route.name], ASSET_BODIES[route.name]);
      case "queues":
        return sendSafeJson(response, 200, { queues: await queues.summaries() });
      case "jobs": {
        const jobs = await queues.jobs(route.kind, route.state, route.page * JOBS_PER_PAGE, JOBS_PER_PAGE);
        return sendSafeJson(response, 200, { kind: route.kind, state: route.state, page: route.page, jobs });
      }
      case "job": {
        const job = await queues.job(route.id);
        return job === null
          ? sendError(response, "NOT_FOUND", `job ${route.id} was not found`)
          : sendSafeJson(response, 200, { job });
      }
      case "retry":
        return sendSafeJson(response, 200, await act.retry(principal, route.id));
      case "remove":
        return sendSafeJson(response, 200, await act.remove(principal, route.id, requestId));
      case "pause":
      case "resume":
        return sendSafeJson(
          response,
          200,
          await act.setPaused(principal, route.kind, route.to === "pause", requestId),
        );
    }
  }

  function fail(error: unknown, response: ServerResponse, request: IncomingMessage): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (isFleetError(error)) {
      sendError(response, error.code, error.message);
      return;
    }
    if (isDatabaseUnavailable(error)) {
      const unavailable = databaseUnavailableError(error);
      sendError(response, unavailable.code, unavailable.message);
      return;
    }
    const requestId = requestIdFrom(request.headers["x-request-id"]?.toString());
    deps.logger.error({ err: error, requestId, path: request.url }, "queue view request failed");
    sendError(response, "INTERNAL_SERVER_ERROR", `the queue view failed; quote request id ${requestId}`);
  }

  return {
    answer(request, response) {
      const url = new URL(request.url ?? "/", "http://localhost");
      if (!isQueueViewPath(url.pathname)) {
        return false;
      }
      serve(request, response, url).catch((error: unknown) => fail(error, response, request));
      return true;
    },
  };
}
