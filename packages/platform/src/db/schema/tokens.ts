import { ROLES, type Role } from "@cml-fleet/core/domain/role";
import { sql } from "drizzle-orm";
import { check, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { instant, sqlList } from "./columns";

/** API tokens. Only the SHA-256 of the secret is stored; the secret is shown once at creation. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    role: text().$type<Role>().notNull(),
    tokenHash: text().notNull(),
    createdAt: instant().notNull().defaultNow(),
    lastUsedAt: instant(),
    revokedAt: instant(),
  },
  (t) => [
    unique("api_tokens_token_hash_unique").on(t.tokenHash),
    check("api_tokens_role_check", sql.raw(`role in (${sqlList(ROLES)})`)),
  ],
);

export type ApiTokenRow = typeof apiTokens.$inferSelect;
