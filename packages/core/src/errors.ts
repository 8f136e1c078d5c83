/**
 * Typed errors. Each carries a stable `code` the API maps to the contract's
 * `extensions.code`, and a `retryable` flag the jobs use to decide between a
 * retry with backoff and a permanent failure.
 */

export type ErrorCode =
  | "NOT_FOUND"
  | "CONFLICT"
  | "BAD_USER_INPUT"
  | "FORBIDDEN"
  | "UNAUTHENTICATED"
  | "QUOTA_EXCEEDED"
  | "UPSTREAM_UNAVAILABLE";

export abstract class FleetError extends Error {
  abstract readonly code: ErrorCode;
  /** Whether trying the same thing again later may succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends FleetError {
  readonly code = "NOT_FOUND";
  constructor(
    readonly entity: string,
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super(`${entity} ${id} was not found`, options);
  }
}

/** An operation that the current state does not allow. */
export class ConflictError extends FleetError {
  readonly code = "CONFLICT";
}

/** An operation not allowed from a worker status; names both. */
export class InvalidTransitionError extends ConflictError {
  constructor(
    readonly operation: string,
    readonly from: string,
    readonly to: string | null,
  ) {
    super(
      to === null
        ? `cannot ${operation} a worker that is ${from}`
        : `cannot ${operation} a worker that is ${from} (it would become ${to})`,
    );
  }
}

/** Someone else changed the record between our read and our write. */
export class ConcurrentModificationError extends ConflictError {
  override readonly retryable = true;
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} was changed by someone else; try again`);
  }
}

export class ValidationError extends FleetError {
  readonly code = "BAD_USER_INPUT";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export class UnauthenticatedError extends FleetError {
  readonly code = "UNAUTHENTICATED";
}

export class PermissionDeniedError extends FleetError {
  readonly code = "FORBIDDEN";
}

export class QuotaExceededError extends FleetError {
  readonly code = "QUOTA_EXCEEDED";
}

export type Upstream = "ec2" | "cloudwatch" | "sts" | "cml" | "database" | "redis" | "queue";

/** An upstream service failed or did not answer. `retryable` says whether waiting may help. */
export class UpstreamUnavailableError extends FleetError {
  readonly code = "UPSTREAM_UNAVAILABLE";
  override readonly retryable: boolean;
  constructor(
    readonly upstream: Upstream,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(`${upstream}: ${message}`, options);
    this.retryable = options?.retryable ?? true;
  }
}

/**
 * An error reported by a cloud API, kept with the provider's own code and
 * request id. `kind` says what it means for the fleet.
 */
export type CloudErrorKind =
  | "not-found"
  | "permission-denied"
  | "quota-exceeded"
  | "throttled"
  | "invalid-state"
  | "invalid-parameter"
  | "unavailable";

const CLOUD_KIND_CODE: Record<CloudErrorKind, ErrorCode> = {
  "not-found": "NOT_FOUND",
  "permission-denied": "FORBIDDEN",
  "quota-exceeded": "QUOTA_EXCEEDED",
  throttled: "UPSTREAM_UNAVAILABLE",
  "invalid-state": "CONFLICT",
  "invalid-parameter": "BAD_USER_INPUT",
  unavailable: "UPSTREAM_UNAVAILABLE",
};

export class CloudError extends FleetError {
  readonly code: ErrorCode;
  override readonly retryable: boolean;
  constructor(
    readonly kind: CloudErrorKind,
    readonly upstream: Upstream,
    readonly awsCode: string,
    message: string,
    readonly requestId: string | null,
    options?: { cause?: unknown },
  ) {
    super(`${upstream} ${awsCode}: ${message}`, options);
    this.code = CLOUD_KIND_CODE[kind];
    this.retryable = kind === "throttled" || kind === "unavailable";
  }
}

/** An error reported by a worker's CML API. */
export type CmlErrorKind =
  | "unreachable"
  | "timeout"
  | "unauthorized"
  | "not-ready"
  | "refused"
  | "bad-token"
  | "not-found"
  | "protocol"
  | "certificate-mismatch";

export class CmlError extends FleetError {
  readonly code: ErrorCode;
  override readonly retryable: boolean;
  constructor(
    readonly kind: CmlErrorKind,
    readonly endpoint: string,
    message: string,
    readonly httpStatus: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(`CML at ${endpoint}: ${message}`, options);
    this.code =
      kind === "refused" ? "CONFLICT" : kind === "bad-token" ? "BAD_USER_INPUT" : "UPSTREAM_UNAVAILABLE";
    this.retryable = kind === "unreachable" || kind === "timeout" || kind === "not-ready";
  }
}

/**
 * The worker's CML presented a certificate other than the one pinned for it:
 * the connection was closed after the handshake, before any request (so no
 * credential) was written. Not retryable: only an ADMIN's trust (or a new
 * instance) settles it.
 */
export class CmlCertificateMismatchError extends CmlError {
  constructor(
    endpoint: string,
    readonly workerId: string,
    readonly pinned: string,
    readonly presented: string,
  ) {
    super(
      "certificate-mismatch",
      endpoint,
      `the certificate (SHA-256 ${presented}) does not match the one pinned for this worker (${pinned}); nothing was sent. An ADMIN may trust it with trustWorkerCertificate`,
    );
  }
}

export function isFleetError(error: unknown): error is FleetError {
  return error instanceof FleetError;
}

/**
 * A job ran past the bound an operator set (CML_JOB_TIMEOUT, or
 * CML_PROVISIONING_TIMEOUT for a provision). Permanent: the bound is the
 * operator's choice, so the job stops acting and its final-failure handling
 * runs. `kind` tells it apart from other upstream failures.
 */
export class JobTimeoutError extends FleetError {
  readonly code = "UPSTREAM_UNAVAILABLE";
  readonly kind = "timeout";
  constructor(
    /** The setting that bounds the job, e.g. "CML_JOB_TIMEOUT". */
    readonly setting: string,
    readonly boundMs: number,
    what: string,
  ) {
    super(`timeout: ${what} ran past ${setting} (${formatBound(boundMs)}) and was stopped`);
  }
}

function formatBound(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * A job attempt lost the lock it acts under (its worker's, or a sweep's
 * lease): another attempt (of the same job, taken over after a stall, or of
 * another operation) may hold it now, so this one stops before its next side
 * effect. Retryable: the job is not over, whoever holds the lock carries on.
 */
export class JobLockLostError extends FleetError {
  readonly code = "CONFLICT";
  readonly kind = "lock-lost";
  override readonly retryable = true;
  constructor(
    readonly what: string,
    readonly why: string,
  ) {
    super(`lock lost: ${what} stopped acting (${why}); the job is taken over`);
  }
}

/**
 * A job attempt handed back because its process is shutting down and the
 * shutdown grace passed: it stops at its next guarded call, and the job
 * returns to the queue at once, without spending an attempt, for any process
 * to run again (every processor is idempotent).
 */
export class JobAbandonedError extends FleetError {
  readonly code = "UPSTREAM_UNAVAILABLE";
  readonly kind = "abandoned";
  override readonly retryable = true;
  constructor(readonly what: string) {
    super(
      `abandoned: ${what} stopped acting because its job process is shutting down; the job is queued again`,
    );
  }
}
