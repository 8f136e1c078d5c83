/** A failure reported by the API (or on the way to it), worded for a one-line message. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    /** `extensions.code` of the GraphQL error, or NETWORK / HTTP_<status> for transport failures. */
    readonly code: string,
  ) {
    super(message);
  }
}

interface GraphqlErrorLike {
  readonly message: string;
  readonly extensions?: { readonly code?: unknown };
}

function isGraphqlErrorLike(value: unknown): value is GraphqlErrorLike {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "message") === "string";
}

/** The first of a GraphQL `errors` array as an ApiError. */
export function apiErrorFromGraphql(errors: readonly unknown[]): ApiError {
  const first = errors.find(isGraphqlErrorLike);
  if (!first) {
    return new ApiError("The API answered with an error it did not describe", "INTERNAL_SERVER_ERROR");
  }
  const code = typeof first.extensions?.code === "string" ? first.extensions.code : "INTERNAL_SERVER_ERROR";
  return new ApiError(first.message, code);
}

/**
 * Turns whatever graphql-ws or fetch rejected with (an Error, a GraphQL error
 * array, a WebSocket close or error event) into one readable line.
 */
export function describeFailure(failure: unknown): string {
  if (failure instanceof Error) {
    const cause = failure.cause instanceof Error ? `: ${failure.cause.message}` : "";
    return `${failure.message}${cause}`;
  }
  if (Array.isArray(failure)) {
    return apiErrorFromGraphql(failure).message;
  }
  if (typeof failure === "object" && failure !== null) {
    const code = Reflect.get(failure, "code");
    const reason = Reflect.get(failure, "reason");
    if (typeof code === "number") {
      return typeof reason === "string" && reason !== ""
        ? `connection closed (${code}: ${reason})`
        : `connection closed (${code})`;
    }
    const message = Reflect.get(failure, "message");
    if (typeof message === "string" && message !== "") {
      return message;
    }
  }
  return String(failure);
}
