import { desc } from "drizzle-orm";
import type { Db } from "../db/database";
import { type AuditLogRow, auditLog } from "../db/schema/audit";

export interface AuditEntry {
  readonly at: Date;
  /** Who: the token's name (or a system name). */
  readonly actor: string;
  readonly role: string | null;
  /** The GraphQL mutation name, e.g. "stopWorker". */
  readonly operation: string;
  /** The mutation's arguments with secrets already removed by the caller. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** "ok", or the error code the caller received (e.g. "CONFLICT", "INTERNAL"). */
  readonly outcome: string;
  readonly errorMessage: string | null;
  readonly requestId: string | null;
}

export interface AuditRecord extends AuditEntry {
  readonly id: string;
}

export interface AuditRepository {
  record(entry: AuditEntry): Promise<AuditRecord>;
  /** The latest `first` records, newest first. */
  list(first: number): Promise<AuditRecord[]>;
}

/** Appends audit rows with `executor`, e.g. inside the transaction of the change they describe. */
export async function insertAuditEntries(
  executor: Db,
  entries: readonly AuditEntry[],
): Promise<AuditRecord[]> {
  if (entries.length === 0) {
    return [];
  }
  const rows = await executor
    .insert(auditLog)
    .values(entries.map((entry) => ({ ...entry, arguments: { ...entry.arguments } })))
    .returning();
  return rows.map(toAuditRecord);
}

export function createAuditRepository(db: Db): AuditRepository {
  return {
    async record(entry) {
      const [record] = await insertAuditEntries(db, [entry]);
      if (record === undefined) {
        throw new Error("audit insert returned no row");
      }
      return record;
    },

    async list(first) {
      const rows = await db
        .select()
        .from(auditLog)
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(first);
      return rows.map(toAuditRecord);
    },
  };
}

function toAuditRecord(row: AuditLogRow): AuditRecord {
  return {
    id: String(row.id),
    at: row.at,
    actor: row.actor,
    role: row.role,
    operation: row.operation,
    arguments: row.arguments,
    outcome: row.outcome,
    errorMessage: row.errorMessage,
    requestId: row.requestId,
  };
}
