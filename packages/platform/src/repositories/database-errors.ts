/**
 * Whether a failed statement broke a unique constraint (SQLSTATE 23505). Drizzle
 * wraps driver errors, pg and PGlite both carry the SQLSTATE as `code`.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ("code" in current && current.code === "23505") {
      return constraint === undefined || ("constraint" in current && current.constraint === constraint);
    }
  }
  return false;
}
