import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import type { AuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import type { Principal } from "../auth/principal";

/** What the API needs of the audit repository: appending records. */
export type AuditLog = Pick<AuditRepository, "record">;

/** The audit entry of a mutation that went through; refusals are recorded by the access control. */
export function successAudit(
  by: Principal,
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
