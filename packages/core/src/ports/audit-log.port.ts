import type { AuditEntry } from "./worker-repository.port";

/** An audit entry as stored. */
export interface AuditRecord extends AuditEntry {
  readonly id: string;
}

/**
 * Appends to the audit log the requests that change no worker (an import, a
 * job retry, a token) and every refusal. A worker change carries its entry
 * into its own transaction instead (`WorkerWriteOptions.audit`).
 */
export interface AuditLog {
  record(entry: AuditEntry): Promise<AuditRecord>;
}
