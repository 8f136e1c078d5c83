import { createTestDatabase, type TestDatabase } from "../../src/testing/test-database";
import { useStarted } from "./use-started";

/**
 * A migrated Postgres schema of its own for the enclosing describe block (or
 * file): created in beforeAll, dropped in afterAll. Use it inside tests and hooks.
 */
export function useTestDatabase(label: string): TestDatabase {
  return useStarted("the test database", () => createTestDatabase(label), {
    stop: (testDb) => testDb.cleanup(),
  });
}
