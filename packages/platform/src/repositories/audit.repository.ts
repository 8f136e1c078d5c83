import type { AuditLog, AuditRecord } from "@cml-fleet/core/ports/audit-log.port";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { desc } from "drizzle-orm";
import type { Db } from "../db/database";
import { type AuditLogRow, auditLog } from "../db/schema/audit";

/** Core's audit log in Postgres, and reading it back. */
export interface AuditRepository extends AuditLog {
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
