import type { AuditRepository } from "@cml-fleet/platform/repositories/audit.repository";

/** What the API needs of the audit repository: appending records. */
export type AuditLog = Pick<AuditRepository, "record">;
