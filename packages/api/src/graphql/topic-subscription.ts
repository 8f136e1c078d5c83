import { filter, pipe } from "graphql-yoga";

/**
 * A subscriber's share of a topic every API replica receives in full: all of
 * it, or only what concerns `id` when the client named one.
 */
export function onlyAbout<T>(
  payloads: AsyncIterable<T>,
  id: string | null | undefined,
  idOf: (payload: T) => string | null,
): AsyncIterable<T> {
  return pipe(
    payloads,
    filter((payload: T) => id === null || id === undefined || idOf(payload) === id),
  );
}
