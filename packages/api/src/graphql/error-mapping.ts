import { type FleetError, isFleetError } from "@cml-fleet/core/errors";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import {
  databaseUnavailableError,
  isDatabaseUnavailable,
} from "@cml-fleet/platform/repositories/database-errors";
import { GraphQLError } from "graphql";
import { maskError, usePayloadFormatter } from "graphql-yoga";

export const INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR";

interface ErrorContext {
  readonly requestId: string;
  readonly logger: Logger;
}

/**
 * Turns one execution error into what the contract promises: a typed fleet
 * error keeps its message and gets its code as `extensions.code`; an error
 * raised as a GraphQL error on purpose passes; anything else is masked and
 * logged under the request id, which the client also gets to quote.
 */
export function toContractError(error: GraphQLError, context: ErrorContext): GraphQLError {
  const original = error.originalError;
  if (isFleetError(original)) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: original.code },
    });
  }
  // graphql-js reports variables it cannot coerce (wrong type, missing, unknown enum value) before execution,
  // as errors without a code: the caller's input, so BAD_USER_INPUT as the contract says.
  if (
    (original === undefined || original instanceof GraphQLError) &&
    error.path === undefined &&
    error.extensions.code === undefined
  ) {
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      extensions: { ...error.extensions, code: "BAD_USER_INPUT" },
    });
  }
  // Errors raised as GraphQL errors on purpose (validation, coercion, auth at the edge) are already fit to show.
  if (original === undefined || original instanceof GraphQLError) {
    return error;
  }
  if (isDatabaseUnavailable(original)) {
    // Not a bug to quote: the operator's database is down, and the caller can act on that.
    context.logger.warn(
      { err: original, requestId: context.requestId, path: error.path },
      "the database is unavailable: GraphQL operation refused",
    );
    const unavailable = databaseUnavailableError(original);
    return new GraphQLError(unavailable.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: unavailable.code },
    });
  }
  context.logger.error(
    { err: original ?? error, requestId: context.requestId, path: error.path },
    "unexpected error in a GraphQL operation",
  );
  return new GraphQLError(`Unexpected error; quote request id ${context.requestId} when reporting it.`, {
    nodes: error.nodes,
    path: error.path,
    extensions: { code: INTERNAL_ERROR_CODE, requestId: context.requestId },
  });
}

function isErrorContext(value: unknown): value is ErrorContext {
  return typeof value === "object" && value !== null && "requestId" in value && "logger" in value;
}

/** Applies {@link toContractError} to every result, of queries, mutations and each subscription event. */
export function useContractErrors() {
  return usePayloadFormatter((result, args) => {
    const context = args.contextValue;
    if (result.errors === undefined || result.errors.length === 0 || !isErrorContext(context)) {
      return false;
    }
    return { ...result, errors: result.errors.map((error) => toContractError(error, context)) };
  });
}

/** The first fleet error in a chain of wrapped errors (GraphQL wraps resolver errors, sometimes twice). */
function fleetErrorIn(error: unknown): FleetError | null {
  for (
    let current: unknown = error, depth = 0;
    current !== undefined && current !== null && depth < 5;
    depth++
  ) {
    if (isFleetError(current)) {
      return current;
    }
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
  return null;
}

/** The database-unavailable fleet error when that is what a (wrapped) error means. */
function databaseUnavailableIn(error: unknown): FleetError | null {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return isDatabaseUnavailable(original) ? databaseUnavailableError(original) : null;
}

/**
 * Yoga's last word on an error before it is sent (it masks anything that is
 * not a GraphQL error). Subscription set-up errors reach it without passing
 * the payload formatter, so typed fleet errors are mapped here too.
 */
export function maskUnlessFleetError(error: unknown, message: string, isDev?: boolean): Error {
  const fleetError = fleetErrorIn(error) ?? databaseUnavailableIn(error);
  if (fleetError !== null) {
    return new GraphQLError(fleetError.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: fleetError.code },
    });
  }
  return maskError(error, message, isDev);
}
