import { UpstreamUnavailableError } from "@cml-fleet/core/errors";

/**
 * Whether a failed statement broke a unique constraint (SQLSTATE 23505). Drizzle
 * wraps driver errors, pg and PGlite both carry the SQLSTATE as `code`.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ("code" in current && current.code === "23505") {
      return constraint === undefined || ("constraint" in current && current.constraint === constraint);
    }
  }
  return false;
}

/** Socket errors of a database that is down, restarting or out of reach. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/** SQLSTATEs of a server shutting down or not yet accepting connections (class 57P) and lost connections (class 08). */
const UNAVAILABLE_SQLSTATE = /^(57P0[1-4]|08\d{3}|08P01)$/;
/** What node-postgres says (without a code) when a connection times out or is cut. */
const UNAVAILABLE_MESSAGE =
  /^(timeout exceeded when trying to connect|Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable)$/;

/**
 * Whether a failed statement failed because the database could not be
 * reached (refused, cut, timed out, shutting down), not because of the
 * statement: waiting for the database may help, changing the request will not.
 * Walks drizzle's wrapping (`cause`) and Node's AggregateError (one error per address tried).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 20; seen++) {
    const current = pending.shift();
    if (!(current instanceof Error)) {
      continue;
    }
    const code = "code" in current && typeof current.code === "string" ? current.code : null;
    if (code !== null && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) {
      return true;
    }
    if (code === null && UNAVAILABLE_MESSAGE.test(current.message)) {
      return true;
    }
    if (current instanceof AggregateError) {
      pending.push(...current.errors);
    }
    pending.push(current.cause);
  }
  return false;
}

/** The error a caller sees when the database is unavailable: what happened and what to do. */
export function databaseUnavailableError(cause: unknown): UpstreamUnavailableError {
  return new UpstreamUnavailableError(
    "database",
    "the database is unavailable (Postgres does not answer); try again once it is back (GET /readyz shows when)",
    { cause },
  );
}
