import { checkText } from "@cml-fleet/core/domain/input-text";
import { canSeeOwner } from "@cml-fleet/core/domain/role";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { NotFoundError } from "@cml-fleet/core/errors";
import DataLoader from "dataloader";
import { filter, pipe } from "graphql-yoga";
import type { GraphQLContext } from "./context";

/**
 * What a USER credential (core's role.ts) may see: the workers it owns and
 * nothing else. Reads narrow themselves with {@link ownerScope} (in SQL, so
 * pages, cursors and counts stay right); a field with an argument naming a
 * worker (a mutation on it, `worker(id)`, `events(workerId)`, a subscription
 * about it) declares that argument with {@link onOwnedWorker}, so that another
 * owner's worker answers NOT_FOUND to a USER, exactly as a worker that does
 * not exist, before any role is checked (FORBIDDEN would tell it that it
 * exists).
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
 * The `authScopes` of a field whose argument `argument` names a worker: for a
 * USER, that worker must be one it owns, else the field fails NOT_FOUND (one
 * primary-key read) before `scopes` are evaluated; an optional argument left
 * out is not checked. A ranked role goes straight to `scopes`.
 */
export function onOwnedWorker<Scopes>(argument: string, scopes: Scopes) {
  return async (
    _parent: unknown,
    args: Record<string, unknown>,
    context: GraphQLContext,
  ): Promise<Scopes> => {
    const owners = ownerScope(context);
    const given = args[argument];
    // An optional argument left out names no worker: the field narrows its reads itself.
    if (owners === null || given === null || given === undefined) {
      return scopes;
    }
    const id = checkText("workerId", argument, typeof given === "string" ? given : String(given));
    const owned = await context.reads.workers.ownedWorkerIds(owners, [id]);
    if (owned.length === 0) {
      throw new NotFoundError("worker", id);
    }
    return scopes;
  };
}

type OwnerReads = GraphQLContext["reads"]["workers"];

/** One batching loader of workers' owners per read model (so per API process), shared by its subscribers. */
const ownerLoaders = new WeakMap<OwnerReads, DataLoader<string, string | null>>();

/**
 * The owner of a worker, for the filters of USER subscribers: every
 * subscriber asking about one payload in the same tick shares one statement.
 * Nothing is cached between payloads, so an owner changed a moment ago counts.
 */
function ownerLoader(reads: OwnerReads): DataLoader<string, string | null> {
  const existing = ownerLoaders.get(reads);
  if (existing !== undefined) {
    return existing;
  }
  const loader = new DataLoader<string, string | null>(
    async (ids) => {
      const owners = await reads.ownersOf(ids);
      return ids.map((id) => owners.get(id) ?? null);
    },
    { cache: false },
  );
  ownerLoaders.set(reads, loader);
  return loader;
}

/** The owner read of each payload, shared by every subscriber that filters it (held only while the payload lives). */
const ownerOfPayloads = new WeakMap<object, Promise<string | null>>();

/**
 * The owner of the worker a payload is about: read once per payload however
 * many USER subscribers filter it, and in whichever ticks they get to it (the
 * loader alone shares a statement only among the subscribers of one tick).
 */
function ownerOfPayload(reads: OwnerReads, payload: unknown, workerId: string): Promise<string | null> {
  if (typeof payload !== "object" || payload === null) {
    return ownerLoader(reads).load(workerId);
  }
  const known = ownerOfPayloads.get(payload);
  if (known !== undefined) {
    return known;
  }
  const read = ownerLoader(reads).load(workerId);
  ownerOfPayloads.set(payload, read);
  return read;
}

/**
 * A subscriber's share of a topic about workers: everything for a ranked
 * role; for a USER only what concerns a worker it owns (a payload about no
 * worker, or about another owner's, is never delivered). `ownerOf` answers
 * from the payload when it carries the owner (a whole worker); otherwise the
 * owner is read, for USER subscribers only, in one statement per payload
 * however many USER subscribers the process has (see {@link ownerLoader}).
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
      const owner = await ownerOfPayload(context.reads.workers, payload, workerId);
      return owner !== null && owners.includes(owner);
    }),
  );
}
