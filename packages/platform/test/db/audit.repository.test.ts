import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/repositories/audit.repository";
import { createTestDatabase, type TestDatabase } from "../../src/testing/test-database";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase("audit");
});
afterAll(() => testDb.cleanup());

function anEntry(overrides: Partial<AuditEntry>): AuditEntry {
  return {
    at: new Date("2026-01-01T12:00:00.000Z"),
    actor: "alice",
    role: "OPERATOR",
    operation: "stopWorker",
    arguments: { id: "w-1", reason: "lunch" },
    outcome: "ok",
    errorMessage: null,
    requestId: "req-1",
    ...overrides,
  };
}

describe("audit repository", () => {
  it("records mutations and lists them newest first", async () => {
    const audit = createAuditRepository(testDb.db);
    const ok = await audit.record(anEntry({}));
    const failed = await audit.record(
      anEntry({
        at: new Date("2026-01-01T12:05:00.000Z"),
        operation: "startWorker",
        arguments: { id: "w-2" },
        outcome: "CONFLICT",
        errorMessage: "cannot start a worker that is TERMINATED",
        requestId: "req-2",
      }),
    );
    expect(ok).toEqual({ ...anEntry({}), id: ok.id });
    expect(await audit.list(10)).toEqual([failed, ok]);
    expect(await audit.list(1)).toEqual([failed]);
  });
});
