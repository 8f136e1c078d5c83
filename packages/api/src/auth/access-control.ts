import { ownerScopeOf, type RankedRole, roleAllows, userMay } from "@cml-fleet/core/domain/role";
import { type FleetError, PermissionDeniedError, UnauthenticatedError } from "@cml-fleet/core/errors";
import type { AuditLog } from "@cml-fleet/core/ports/audit-log.port";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Principal } from "./principal";

/** The authorization decision of one request (or one WebSocket operation). */
export interface AccessControl {
  readonly principal: Principal | null;
  /** Whether the caller's ranked role includes `required` (a USER's never does). */
  allows(required: RankedRole): boolean;
  /** Whether the caller is a USER with this grant ("read", or an operation it may run on its own workers). */
  allowsUser(grant: string): boolean;
  /** The owners the caller's reads are narrowed to: a USER's name and groups; null for a ranked role or nobody. */
  ownerScope(): readonly string[] | null;
  /**
   * Returns the error to raise for a refused operation (a field). The refusal
   * is kept for the request's one audit row, written by {@link recordDenials}.
   */
  deny(operation: string): FleetError;
  /** The principal, or the refusal (kept for the audit) when there is none. */
  require(operation: string): Principal;
  /**
   * Writes the refusals of this request so far as one audit row (none when
   * nothing was refused), so that a request asking for many forbidden fields
   * costs one row, not one per field. Never fails: a failed write is logged.
   */
  recordDenials(): Promise<void>;
}

export interface AccessControlDeps {
  readonly audit: AuditLog;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** An audit row names at most this many refused operations (a request may alias one field many times). */
const MAX_NAMED_OPERATIONS = 20;

export function createAccessControl(
  deps: AccessControlDeps,
  principal: Principal | null,
  requestId: string,
): AccessControl {
  const denied = new Set<string>();
  let firstError: FleetError | null = null;
  let recorded = false;

  function refusal(operation: string): FleetError {
    return principal === null
      ? new UnauthenticatedError(`${operation} needs an API token: send Authorization: Bearer <token>`)
      : principal.role === "USER"
        ? new PermissionDeniedError(
            `${operation} is not open to a USER credential, which may only read, start, stop, keep alive and snapshot the workers it owns`,
          )
        : new PermissionDeniedError(`${operation} needs a higher role than ${principal.role}`);
  }

  async function recordDenials(): Promise<void> {
    if (denied.size === 0 || firstError === null) {
      return;
    }
    const operations = [...denied];
    const error = firstError;
    denied.clear();
    firstError = null;
    recorded = true;
    const named = operations.slice(0, MAX_NAMED_OPERATIONS).join(",");
    const more = operations.length - MAX_NAMED_OPERATIONS;
    try {
      await deps.audit.record({
        at: deps.clock.now(),
        actor: principal?.name ?? "anonymous",
        role: principal?.role ?? null,
        operation: more > 0 ? `${named} (+${more} more)` : named,
        arguments: {},
        outcome: error.code,
        errorMessage: error.message,
        requestId,
      });
    } catch (auditError: unknown) {
      deps.logger.error({ err: auditError, requestId }, "audit write failed");
    }
  }

  function deny(operation: string): FleetError {
    const error = refusal(operation);
    denied.add(operation);
    firstError ??= error;
    // A refusal after the request's row was written (a field of a later subscription event) gets a row of its own.
    if (recorded && denied.size === 1) {
      setImmediate(() => void recordDenials());
    }
    return error;
  }

  return {
    principal,
    allows: (required) => principal !== null && roleAllows(principal.role, required),
    allowsUser: (grant) => principal !== null && userMay(principal.role, grant),
    ownerScope: () => (principal === null ? null : ownerScopeOf(principal)),
    deny,
    require(operation) {
      if (principal === null) {
        throw deny(operation);
      }
      return principal;
    },
    recordDenials,
  };
}
