import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { identityId, instant } from "./columns";

/**
 * One row per mutation attempted through the API: who, what, with which
 * arguments (the caller removes secrets before recording), and how it ended
 * (`ok` or the error code).
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: identityId(),
    at: instant().notNull().defaultNow(),
    actor: text().notNull(),
    role: text(),
    operation: text().notNull(),
    arguments: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    outcome: text().notNull(),
    errorMessage: text(),
    requestId: text(),
  },
  // The audit log reads newest first, all of it or one actor's or one operation's (`auditLog`), and pages
  // by (at, id): one index per way in, each in that order.
  (t) => [
    index().on(t.at, t.id),
    index("audit_log_actor_at_id_index").on(t.actor, t.at, t.id),
    index("audit_log_operation_at_id_index").on(t.operation, t.at, t.id),
  ],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
