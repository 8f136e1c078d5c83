import type { Requester } from "../domain/requester";
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
