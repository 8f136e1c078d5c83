import { sql } from "drizzle-orm";
import { check, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { instant, sqlList } from "./columns";

export const API_ROLES = ["VIEWER", "OPERATOR", "ADMIN"] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** API tokens. Only the SHA-256 of the secret is stored; the secret is shown once at creation. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    role: text().$type<ApiRole>().notNull(),
    tokenHash: text().notNull(),
    createdAt: instant().notNull().defaultNow(),
    lastUsedAt: instant(),
    revokedAt: instant(),
  },
  (t) => [
    unique("api_tokens_token_hash_unique").on(t.tokenHash),
    check("api_tokens_role_check", sql.raw(`role in (${sqlList(API_ROLES)})`)),
  ],
);

export type ApiTokenRow = typeof apiTokens.$inferSelect;
