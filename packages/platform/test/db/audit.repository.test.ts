import type { AuditRecord } from "@cml-fleet/core/ports/audit-log.port";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditRecordCursor,
  createAuditRepository,
  insertAuditEntries,
} from "../../src/repositories/audit.repository";
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

/** The test database's Postgres pool (test databases are always Postgres, never PGlite). */
function poolOf(database: TestDatabase): pg.Pool {
  const { connection } = database.database;
  if (connection.kind !== "pg") {
    throw new Error("the audit read tests need Postgres");
  }
  return connection.pool;
}

describe("reading the audit log back", () => {
  let reads: TestDatabase;
  const BASE = Date.UTC(2026, 1, 1, 0, 0, 0);
  const ACTORS = 40;
  const PER_ACTOR = 100;

  beforeAll(async () => {
    reads = await createTestDatabase("audit-reads");
    // 4,000 rows: 40 actors, two operations; every pair of rows shares its millisecond.
    const entries = Array.from({ length: ACTORS * PER_ACTOR }, (_, n) =>
      anEntry({
        at: new Date(BASE + Math.floor(n / 2) * 1000),
        actor: `actor-${n % ACTORS}`,
        operation: n % 3 === 0 ? "terminateWorker" : "stopWorker",
        requestId: `req-${n}`,
      }),
    );
    await insertAuditEntries(reads.db, entries);
    await poolOf(reads).query("analyze audit_log");
  });
  afterAll(() => reads.cleanup());

  it("pages newest first by (at, id): entries of one millisecond are neither lost nor repeated", async () => {
    const audit = createAuditRepository(reads.db);
    const seen: AuditRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await audit.read({ first: 7, actor: "actor-3", after });
      seen.push(...page);
      const last = page.at(-1);
      if (last === undefined) {
        break;
      }
      after = auditRecordCursor(last);
    }
    expect(seen).toHaveLength(PER_ACTOR);
    expect(new Set(seen.map((record) => record.id)).size).toBe(PER_ACTOR);
    const keys = seen.map((record) => [record.at.getTime(), Number(record.id)] as const);
    expect(keys).toEqual([...keys].sort(([at1, id1], [at2, id2]) => at2 - at1 || id2 - id1));
  });

  it("filters by operation and by time", async () => {
    const audit = createAuditRepository(reads.db);
    const since = new Date(BASE + 1900 * 1000);
    const recent = await audit.read({ first: 500, operation: "terminateWorker", since });
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((record) => record.operation === "terminateWorker" && record.at >= since)).toBe(true);
    const all = await audit.read({ first: 500, since });
    expect(all.filter((record) => record.operation === "terminateWorker")).toEqual(recent);
  });

  it("finds one actor's page after a cursor as one range of the (actor, at, id) index", async () => {
    const audit = createAuditRepository(reads.db);
    const [newest] = await audit.read({ first: 1, actor: "actor-5" });
    if (newest === undefined) {
      throw new Error("no entry for actor-5");
    }
    const statements = await reads.recordStatements(async () => {
      await audit.read({ first: 50, actor: "actor-5", after: auditRecordCursor(newest) });
    });
    const [statement] = statements;
    const client = await poolOf(reads).connect();
    try {
      await client.query(`prepare audit_page as ${statement}`);
      const { rows } = await client.query<{ "QUERY PLAN": string }>(
        `explain execute audit_page('actor-5', '${newest.at.toISOString()}', ${newest.id}, 50)`,
      );
      const plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
      expect(plan).toContain("audit_log_actor_at_id_index");
      // The actor and the keyset position are both conditions on the index: one range of it, not a scan of the table.
      expect(plan).toMatch(/Index Cond: \(\(actor = 'actor-5'::text\) AND \(ROW\(at, id\) < ROW\(/);
      expect(plan).not.toContain("Seq Scan");
    } finally {
      await client.query("deallocate all");
      client.release();
    }
  });
});
