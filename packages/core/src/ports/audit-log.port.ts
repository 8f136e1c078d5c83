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

/** Which audit records to read: all filters optional, each narrowing the list. */
export interface AuditLogQuery {
  /** Exactly this actor (a token's name, an OIDC user, `anonymous`). */
  readonly actor?: string | undefined;
  /** Exactly this operation, e.g. stopWorker. */
  readonly operation?: string | undefined;
  /** Recorded at or after this instant. */
  readonly since?: Date | undefined;
  readonly first: number;
  /** An opaque cursor from a previous page: the records after it. */
  readonly after?: string | undefined;
}

/** Reading the audit log back, newest first (at, then id). */
export interface AuditLogReader {
  read(query: AuditLogQuery): Promise<AuditRecord[]>;
}
