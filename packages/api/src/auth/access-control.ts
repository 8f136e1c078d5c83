import { type Role, roleAllows } from "@cml-fleet/core/domain/role";
import { type FleetError, PermissionDeniedError, UnauthenticatedError } from "@cml-fleet/core/errors";
import type { AuditLog } from "@cml-fleet/core/ports/audit-log.port";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Principal } from "./principal";

/** The authorization decision of one request (or one WebSocket connection). */
export interface AccessControl {
  readonly principal: Principal | null;
  allows(required: Role): boolean;
  /** Records the refusal in the audit log and returns the error to raise. */
  deny(operation: string): FleetError;
  /** The principal, or the refusal (recorded) when there is none. */
  require(operation: string): Principal;
}

export interface AccessControlDeps {
  readonly audit: AuditLog;
  readonly logger: Logger;
  readonly clock: Clock;
}

export function createAccessControl(
  deps: AccessControlDeps,
  principal: Principal | null,
  requestId: string,
): AccessControl {
  function deny(operation: string): FleetError {
    const error =
      principal === null
        ? new UnauthenticatedError(`${operation} needs an API token: send Authorization: Bearer <token>`)
        : new PermissionDeniedError(`${operation} needs a higher role than ${principal.role}`);
    // The refusal itself must not wait on (or fail with) the audit write.
    deps.audit
      .record({
        at: deps.clock.now(),
        actor: principal?.name ?? "anonymous",
        role: principal?.role ?? null,
        operation,
        arguments: {},
        outcome: error.code,
        errorMessage: error.message,
        requestId,
      })
      .catch((auditError: unknown) =>
        deps.logger.error({ err: auditError, requestId }, "audit write failed"),
      );
    return error;
  }
  return {
    principal,
    allows: (required) => principal !== null && roleAllows(principal.role, required),
    deny,
    require(operation) {
      if (principal === null) {
        throw deny(operation);
      }
      return principal;
    },
  };
}
