import { timestamp } from "drizzle-orm/pg-core";

/**
 * Every instant is stored with millisecond precision: JavaScript dates carry
 * milliseconds, so a value read back equals the value written, and keyset
 * cursors built from a row's `created_at` compare exactly.
 */
export function instant() {
  return timestamp({ withTimezone: true, mode: "date", precision: 3 });
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
