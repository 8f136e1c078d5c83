import { randomUUID } from "node:crypto";
import type { AuditLog } from "@cml-fleet/core/ports/audit-log.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { FleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { GraphQLError } from "graphql";
import { createAccessControl } from "../auth/access-control";
import type { Authentication } from "../auth/authenticate";
import type { ApiReads, ApiServices, GraphQLContext } from "./context";
import { createWorkerLoaders, type WorkerLoaders } from "./loaders";

export interface ContextDeps {
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly services: ApiServices;
  readonly reads: ApiReads;
  readonly pubsub: FleetPubSub;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** The caller's own request id when it is a sane one (so logs on both sides match), else a new one. */
export function requestIdFrom(header: string | null | undefined): string {
  return header !== null && header !== undefined && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Builds the context of one operation (after the rate limit has let it
 * through). A credential that does not check out fails the whole request as
 * UNAUTHENTICATED, recorded in one audit row; no credential at all yields an
 * anonymous context, which the anonymous gate (http/anonymous-gate.plugin.ts)
 * refuses before execution unless the operation only introspects.
 */
export async function buildContext(
  deps: ContextDeps,
  authentication: Authentication,
  requestId: string,
): Promise<GraphQLContext> {
  const logger = deps.logger.child({ requestId });
  if (authentication.kind === "rejected") {
    await deps.audit
      .record({
        at: deps.reads.clock.now(),
        actor: "anonymous",
        role: null,
        operation: "authenticate",
        arguments: {},
        outcome: "UNAUTHENTICATED",
        errorMessage: authentication.reason,
        requestId,
      })
      .catch((error: unknown) => logger.error({ err: error }, "audit write failed"));
    throw new GraphQLError(`Not authenticated: ${authentication.reason}`, {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  const principal = authentication.kind === "authenticated" ? authentication.principal : null;
  return {
    requestId,
    logger,
    access: createAccessControl({ audit: deps.audit, logger, clock: deps.reads.clock }, principal, requestId),
    services: deps.services,
    reads: deps.reads,
    loaders: loadersFor(deps.reads),
    pubsub: deps.pubsub,
  };
}

/**
 * The batching loaders of one execution: they keep what they read, so a
 * subscription takes new ones for every event (else a worker's activeJob or
 * cost would stay as its first event found them).
 */
export function loadersFor(reads: ApiReads): WorkerLoaders {
  return createWorkerLoaders({
    readModel: reads.workers,
    jobs: reads.jobs,
    snapshots: reads.snapshots,
    schedules: {
      schedules: reads.schedules,
      scheduleLead: reads.scheduleLead,
      workers: reads.workers,
    },
  });
}
