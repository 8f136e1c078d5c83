import { checkText } from "@cml-fleet/core/domain/input-text";
import { canSeeOwner } from "@cml-fleet/core/domain/role";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { NotFoundError } from "@cml-fleet/core/errors";
import { filter, pipe } from "graphql-yoga";
import type { GraphQLContext } from "./context";

/**
 * What a USER credential (core's role.ts) may see: the workers it owns and
 * nothing else. Reads narrow themselves with {@link ownerScope} (in SQL, so
 * pages, cursors and counts stay right); a mutation on one worker names its
 * worker argument with {@link onOwnedWorker}, so that another owner's worker
 * answers NOT_FOUND, exactly as a worker that does not exist, before any role
 * is checked (FORBIDDEN would tell the USER that it exists).
 */

/**
 * The owners the caller's reads are narrowed to: a USER's name and its groups
 * (`group:<name>`), null (the whole fleet) for a ranked role.
 */
export function ownerScope(context: GraphQLContext): readonly string[] | null {
  return context.access.ownerScope();
}

/** The worker when the caller may see it, else null (as if it did not exist). */
export function visibleWorker(context: GraphQLContext, worker: Worker | null): Worker | null {
  const principal = context.access.principal;
  return worker === null || principal === null || canSeeOwner(principal, worker.owner ?? null)
    ? worker
    : null;
}

/**
 * A mutation's `authScopes` for fields acting on the worker named by the
 * argument `argument`: for a USER, that worker must be one it owns, else the
 * field fails NOT_FOUND (one primary-key read) before `scopes` are evaluated.
 * A ranked role goes straight to `scopes`.
 */
export function onOwnedWorker<Scopes>(argument: string, scopes: Scopes) {
  return async (
    _parent: unknown,
    args: Record<string, unknown>,
    context: GraphQLContext,
  ): Promise<Scopes> => {
    const owners = ownerScope(context);
    if (owners === null) {
      return scopes;
    }
    const given = args[argument];
    const id = checkText("workerId", argument, typeof given === "string" ? given : String(given));
    const owned = await context.reads.workers.ownedWorkerIds(owners, [id]);
    if (owned.length === 0) {
      throw new NotFoundError("worker", id);
    }
    return scopes;
  };
}

/**
 * A subscriber's share of a topic about workers: everything for a ranked
 * role; for a USER only what concerns a worker it owns (a payload about no
 * worker, or about another owner's, is never delivered). `ownerOf` answers
 * from the payload when it carries the owner (a whole worker); otherwise the
 * owner is read (one primary-key read per payload, for USER subscribers only).
 */
export function forSubscriber<T>(
  context: GraphQLContext,
  payloads: AsyncIterable<T>,
  workerIdOf: (payload: T) => string | null,
  ownerOf?: (payload: T) => string | null,
): AsyncIterable<T> {
  const owners = ownerScope(context);
  if (owners === null) {
    return payloads;
  }
  return pipe(
    payloads,
    filter(async (payload: T) => {
      if (ownerOf !== undefined) {
        const owner = ownerOf(payload);
        return owner !== null && owners.includes(owner);
      }
      const workerId = workerIdOf(payload);
      if (workerId === null) {
        return false;
      }
      return (await context.reads.workers.ownedWorkerIds(owners, [workerId])).length > 0;
    }),
  );
}
