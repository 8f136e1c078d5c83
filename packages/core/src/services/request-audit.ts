import type { Requester } from "../domain/requester";
import type { FleetError } from "../errors";
import type { AuditEntry } from "../ports/worker-repository.port";

/**
 * The audit entry of a request that went through; refusals are recorded
 * where access is decided (the API), before any service runs.
 */
export function successAudit(
  by: Requester,
  operation: string,
  args: Record<string, unknown>,
  at: Date,
): AuditEntry {
  return {
    at,
    actor: by.name,
    role: by.role,
    operation,
    arguments: args,
    outcome: "ok",
    errorMessage: null,
    requestId: null,
  };
}

/**
 * The audit entry of a request a service refused for who asked (a decision
 * only the service can make, e.g. retrying a job needs the role of its kind).
 */
export function refusalAudit(
  by: Requester,
  operation: string,
  args: Record<string, unknown>,
  error: FleetError,
  at: Date,
): AuditEntry {
  return { ...successAudit(by, operation, args, at), outcome: error.code, errorMessage: error.message };
}
