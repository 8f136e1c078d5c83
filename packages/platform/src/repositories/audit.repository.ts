import type {
  AuditLog,
  AuditLogQuery,
  AuditLogReader,
  AuditRecord,
} from "@cml-fleet/core/ports/audit-log.port";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { and, desc, eq, gte, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { type AuditLogRow, auditLog } from "../db/schema/audit";
import { decodeKeysetCursor, encodeKeysetCursor, numericCursorId } from "./keyset-cursor";

/** Core's audit log in Postgres, and reading it back. */
export interface AuditRepository extends AuditLog, AuditLogReader {
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

/** The cursor of a record on a page: the next page starts after it. */
export function auditRecordCursor(record: AuditRecord): string {
  return encodeKeysetCursor({ at: record.at, id: record.id });
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

    list: (first) => read({ first }),
    read,
  };

  async function read(query: AuditLogQuery): Promise<AuditRecord[]> {
    const conditions: SQL[] = [];
    if (query.actor !== undefined) {
      conditions.push(eq(auditLog.actor, query.actor));
    }
    if (query.operation !== undefined) {
      conditions.push(eq(auditLog.operation, query.operation));
    }
    if (query.since !== undefined) {
      conditions.push(gte(auditLog.at, query.since));
    }
    if (query.after !== undefined) {
      const position = decodeKeysetCursor(query.after);
      // A row comparison, so that the (…, at, id) indexes serve it as one range.
      conditions.push(
        sql`(${auditLog.at}, ${auditLog.id}) < (${position.at.toISOString()}::timestamptz, ${numericCursorId(position)})`,
      );
    }
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(query.first);
    return rows.map(toAuditRecord);
  }
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
