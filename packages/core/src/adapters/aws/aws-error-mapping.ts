import { CloudError, type CloudErrorKind, type Upstream } from "../../errors";

/** AWS error codes (the SDK error's `name`) and what they mean for the fleet. */
const KIND_BY_CODE: Readonly<Record<string, CloudErrorKind>> = {
  "InvalidInstanceID.NotFound": "not-found",
  "InvalidAMIID.NotFound": "not-found",
  "InvalidSnapshot.NotFound": "not-found",
  "InvalidVolume.NotFound": "not-found",
  // A snapshot an AMI still uses: deleting it waits until the image is gone.
  "InvalidSnapshot.InUse": "invalid-state",
  "InvalidInstanceID.Malformed": "invalid-parameter",
  "InvalidAMIID.Malformed": "invalid-parameter",
  InvalidParameterValue: "invalid-parameter",
  InvalidParameterCombination: "invalid-parameter",
  InvalidParameter: "invalid-parameter",
  MissingParameter: "invalid-parameter",
  // The same client token was used with different parameters: a caller bug, never retry.
  IdempotentParameterMismatch: "invalid-parameter",
  UnauthorizedOperation: "permission-denied",
  AuthFailure: "permission-denied",
  AccessDenied: "permission-denied",
  AccessDeniedException: "permission-denied",
  InvalidClientTokenId: "permission-denied",
  SignatureDoesNotMatch: "permission-denied",
  ExpiredToken: "permission-denied",
  CredentialsProviderError: "permission-denied",
  InstanceLimitExceeded: "quota-exceeded",
  VcpuLimitExceeded: "quota-exceeded",
  LimitExceeded: "quota-exceeded",
  LimitExceededException: "quota-exceeded",
  // Capacity comes back: retrying later (or elsewhere) can succeed, unlike a quota.
  InsufficientInstanceCapacity: "unavailable",
  IncorrectInstanceState: "invalid-state",
  IncorrectState: "invalid-state",
  RequestLimitExceeded: "throttled",
  Throttling: "throttled",
  ThrottlingException: "throttled",
  TooManyRequestsException: "throttled",
  InternalError: "unavailable",
  InternalFailure: "unavailable",
  InternalServiceError: "unavailable",
  InternalServiceFault: "unavailable",
  ServiceUnavailable: "unavailable",
  Unavailable: "unavailable",
  TimeoutError: "unavailable",
  RequestTimeout: "unavailable",
  RequestTimeoutException: "unavailable",
};

/** Node network error codes: the endpoint could not be reached or dropped the connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
]);

interface AwsLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly requestId?: unknown; readonly httpStatusCode?: unknown };
  readonly RequestId?: unknown;
  readonly RequestID?: unknown;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function awsCodeOf(error: AwsLikeError): string {
  const code = stringOrNull(error.code);
  if (code !== null && NETWORK_CODES.has(code)) {
    return code;
  }
  return stringOrNull(error.name) ?? code ?? "UnknownError";
}

function kindOf(code: string, error: AwsLikeError): CloudErrorKind {
  const known = KIND_BY_CODE[code];
  if (known !== undefined) {
    return known;
  }
  if (NETWORK_CODES.has(code)) {
    return "unavailable";
  }
  if (code.endsWith(".NotFound")) {
    return "not-found";
  }
  if (code.endsWith(".Malformed") || code.startsWith("Invalid")) {
    return "invalid-parameter";
  }
  const status = error.$metadata?.httpStatusCode;
  if (error.$fault === "server" || (typeof status === "number" && status >= 500)) {
    return "unavailable";
  }
  // A client fault we have no entry for: assume the request itself was wrong.
  return error.$fault === "client" ? "invalid-parameter" : "unavailable";
}

/**
 * Maps anything an AWS SDK call threw to a `CloudError`, keeping AWS's code
 * and request id. Errors that already are `CloudError`s pass through.
 */
export function toCloudError(error: unknown, upstream: Upstream): CloudError {
  if (error instanceof CloudError) {
    return error;
  }
  if (typeof error !== "object" || error === null) {
    return new CloudError("unavailable", upstream, "UnknownError", String(error), null, { cause: error });
  }
  const aws = error as AwsLikeError;
  const code = awsCodeOf(aws);
  const requestId =
    stringOrNull(aws.$metadata?.requestId) ?? stringOrNull(aws.RequestId) ?? stringOrNull(aws.RequestID);
  const message = stringOrNull(aws.message) ?? code;
  return new CloudError(kindOf(code, aws), upstream, code, message, requestId, { cause: error });
}

/** Runs one AWS call and rethrows its failure as a `CloudError`. */
export async function callAws<T>(upstream: Upstream, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toCloudError(error, upstream);
  }
}
