/**
 * What a fuzzed request may answer. An expected failure carries one of the
 * contract's codes; graphql-yoga's own request errors (an unparsable body, a
 * wrong method) and the GraphQL spec's parse and validation failures are the
 * only others. Anything else, a 5xx, or a masked internal error is a finding.
 */
export const CONTRACT_CODES: ReadonlySet<string> = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "QUOTA_EXCEEDED",
  "UPSTREAM_UNAVAILABLE",
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  // graphql-yoga's own request errors: a body, method or operation choice the GraphQL-over-HTTP spec refuses.
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "REQUEST_ENTITY_TOO_LARGE",
]);

/**
 * Codes of a refusal: the request was turned away and must have changed
 * nothing but (at most one) audit row. UPSTREAM_UNAVAILABLE is not among
 * them: a request may have been accepted (a job queued) before an upstream wait failed.
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "QUOTA_EXCEEDED",
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "REQUEST_ENTITY_TOO_LARGE",
]);

export interface ErrorJson {
  readonly message?: unknown;
  readonly extensions?: { readonly code?: unknown } | null;
}

/** One answer as the fuzz sees it: the HTTP status (0 when the connection dropped) and the body. */
export interface FuzzAnswer {
  readonly status: number;
  /** The parsed JSON body, or null when it was not JSON (or empty). */
  readonly body: unknown;
  /** Set when no answer came: the connection was reset or closed without a response. */
  readonly dropped?: string;
}

export function errorsOf(body: unknown): ErrorJson[] {
  if (typeof body === "object" && body !== null && "errors" in body && Array.isArray(body.errors)) {
    return body.errors as ErrorJson[];
  }
  return [];
}

export function codeOf(error: ErrorJson): string | null {
  const code = error.extensions?.code;
  return typeof code === "string" ? code : null;
}

/** True when the body carries data for some root field (a refused request carries none). */
export function hasData(body: unknown): boolean {
  if (typeof body !== "object" || body === null || !("data" in body)) {
    return false;
  }
  const data = body.data;
  return typeof data === "object" && data !== null && Object.values(data).some((value) => value !== null);
}

/**
 * Refused: an answer with errors (or a 4xx without a GraphQL body) and no
 * data, every error code a refusal.
 */
export function isRefused(answer: FuzzAnswer): boolean {
  if (answer.dropped !== undefined) {
    return false;
  }
  const errors = errorsOf(answer.body);
  if (errors.length === 0) {
    return answer.status >= 400 && answer.status < 500;
  }
  const requestError = answer.status >= 400 && answer.status < 500;
  return (
    !hasData(answer.body) &&
    errors.every((error) => {
      const code = codeOf(error);
      return code === null ? requestError : REFUSAL_CODES.has(code);
    })
  );
}

/**
 * An error answer (4xx, no data) with an error that carries no code. None is
 * expected: the API gives graphql-js's request errors (a variable of the
 * wrong type, a required variable not given) BAD_USER_INPUT. The summary
 * counts them, and each one is also a contract violation.
 */
export function isUncodedRequestError(answer: FuzzAnswer): boolean {
  const errors = errorsOf(answer.body);
  return (
    answer.status >= 400 &&
    answer.status < 500 &&
    !hasData(answer.body) &&
    errors.length > 0 &&
    errors.some((error) => codeOf(error) === null)
  );
}

/** Every way the answer breaks the contract, as short group names ("5xx", "INTERNAL_SERVER_ERROR", ...). */
export function contractViolations(answer: FuzzAnswer): string[] {
  const violations: string[] = [];
  if (answer.dropped !== undefined) {
    violations.push(`connection dropped without an answer (${answer.dropped})`);
    return violations;
  }
  if (answer.status >= 500) {
    violations.push(`HTTP ${answer.status}`);
  }
  for (const error of errorsOf(answer.body)) {
    const code = codeOf(error);
    if (code === null) {
      violations.push("an error without extensions.code");
    } else if (!CONTRACT_CODES.has(code)) {
      violations.push(code);
    }
  }
  return [...new Set(violations)];
}
