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
  (t) => [index().on(t.at)],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
