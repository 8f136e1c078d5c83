import { bigint, timestamp } from "drizzle-orm/pg-core";

/**
 * Every instant is stored with millisecond precision: JavaScript dates carry
 * milliseconds, so a value read back equals the value written, and keyset
 * cursors built from a row's `created_at` compare exactly.
 */
export function instant() {
  return timestamp({ withTimezone: true, mode: "date", precision: 3 });
}

/**
 * The key of an append-only table: numbered by the database, so rows written
 * in the same millisecond still have an order. A JavaScript number holds it
 * exactly up to 2^53, far beyond any row count this fleet reaches.
 */
export function identityId() {
  return bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity();
}

/** `created_at` and `updated_at`, both set by the database when the caller gives none. */
export function timestamps() {
  return {
    createdAt: instant().notNull().defaultNow(),
    updatedAt: instant().notNull().defaultNow(),
  };
}

/** SQL list of quoted values for CHECK constraints over a closed vocabulary. */
export function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value.replaceAll("'", "''")}'`).join(", ");
}
