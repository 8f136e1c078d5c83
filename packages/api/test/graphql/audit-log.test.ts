import { randomUUID } from "node:crypto";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { insertAuditEntries } from "@cml-fleet/platform/repositories/audit.repository";
import { beforeAll, describe, expect, it } from "vitest";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("audit-log");

interface AuditEntryJson {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly outcome: string;
  readonly cursor: string;
}

const SEEDED = 620;
const SEED_START = Date.UTC(2026, 0, 1, 12, 0, 0);
const ENTRY_FIELDS = "id at actor action target outcome cursor";
const AUDIT_QUERY = `query($first: Int, $actor: String, $action: String, $since: DateTime, $after: String) {
  auditLog(first: $first, actor: $actor, action: $action, since: $since, after: $after) { ${ENTRY_FIELDS} } }`;

/** The history of a busy fleet: an operator's stops over 620 seconds, every third one refused by the worker's state. */
function seededEntry(n: number): AuditEntry {
  return {
    at: new Date(SEED_START + n * 1000),
    actor: "seed-operator",
    role: "OPERATOR",
    operation: n % 2 === 0 ? "stopWorker" : "startWorker",
    arguments: { id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, reason: null },
    outcome: n % 3 === 0 ? "CONFLICT" : "ok",
    errorMessage: n % 3 === 0 ? "worker is terminated" : null,
    requestId: `seed-${n}`,
  };
}

async function auditLog(variables: Record<string, unknown>, token = fleet.tokens.ADMIN) {
  return gql<{ auditLog: AuditEntryJson[] }>(api.url, AUDIT_QUERY, { token, variables });
}

async function readAll(variables: Record<string, unknown>): Promise<AuditEntryJson[]> {
  const entries: AuditEntryJson[] = [];
  let after: string | null = null;
  for (;;) {
    const page: AuditEntryJson[] = dataOf(await auditLog({ ...variables, after })).auditLog;
    entries.push(...page);
    const last = page.at(-1);
    if (last === undefined || page.length < (Number(variables.first) || 50)) {
      return entries;
    }
    after = last.cursor;
  }
}

beforeAll(async () => {
  await insertAuditEntries(
    fleet.db.db,
    Array.from({ length: SEEDED }, (_, n) => seededEntry(n)),
  );
});

describe("auditLog", () => {
  it("records what people did through the API and shows it to an ADMIN, newest first", async () => {
    // A VIEWER tries to stop a worker (refused), an ADMIN creates a token (allowed).
    const workerId = randomUUID();
    const refused = await gql(api.url, `mutation($id: ID!) { stopWorker(id: $id) { job { id } } }`, {
      token: fleet.tokens.VIEWER,
      variables: { id: workerId },
    });
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    dataOf(
      await gql(
        api.url,
        `mutation { createApiToken(name: "audit-probe", role: VIEWER) { apiToken { id } } }`,
        {
          token: fleet.tokens.ADMIN,
        },
      ),
    );

    const latest = dataOf(await auditLog({ first: 2 })).auditLog;
    expect(latest.map(({ actor, action, target, outcome }) => ({ actor, action, target, outcome }))).toEqual([
      { actor: "bootstrap-admin", action: "createApiToken", target: "audit-probe", outcome: "allowed" },
      { actor: "viewer-token", action: "stopWorker", target: null, outcome: "denied" },
    ]);
    expect(Date.parse(latest[0]?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(latest[1]?.at ?? ""));
  });

  it("is refused to OPERATOR and VIEWER credentials", async () => {
    for (const role of ["OPERATOR", "VIEWER"] as const) {
      const answer = await auditLog({ first: 5 }, fleet.tokens[role]);
      expect(codes(answer)).toEqual(["FORBIDDEN"]);
      expect(answer.data).toBeNull();
    }
  });

  it("maps what is stored to allowed, denied and failed, and names the target", async () => {
    const [newestSeeded] = dataOf(await auditLog({ first: 1, actor: "seed-operator" })).auditLog;
    const n = SEEDED - 1;
    expect(newestSeeded).toMatchObject({
      at: new Date(SEED_START + n * 1000).toISOString(),
      actor: "seed-operator",
      action: "startWorker",
      target: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      outcome: n % 3 === 0 ? "failed" : "allowed",
    });
  });

  it("filters by actor, action and time", async () => {
    const stops = await readAll({ first: 500, actor: "seed-operator", action: "stopWorker" });
    expect(stops).toHaveLength(SEEDED / 2);
    expect(new Set(stops.map((entry) => entry.action))).toEqual(new Set(["stopWorker"]));

    const since = new Date(SEED_START + 600 * 1000).toISOString();
    const recent = dataOf(await auditLog({ first: 500, actor: "seed-operator", since })).auditLog;
    expect(recent).toHaveLength(SEEDED - 600);
    expect(recent.every((entry) => entry.at >= since)).toBe(true);

    expect(dataOf(await auditLog({ actor: "nobody-at-all" })).auditLog).toEqual([]);
  });

  it("pages past 500 entries without losing or repeating one", async () => {
    const entries = await readAll({ first: 500, actor: "seed-operator" });
    expect(entries).toHaveLength(SEEDED);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(SEEDED);
    const instants = entries.map((entry) => Date.parse(entry.at));
    expect(instants).toEqual([...instants].sort((a, b) => b - a));
    expect(instants.at(-1)).toBe(SEED_START);
  });

  it.each([
    [{ first: 501 }, "first"],
    [{ first: 0 }, "first"],
    [{ action: "stopWorker,startWorker" }, "action"],
    [{ actor: "bad\u001b[2Jactor" }, "actor"],
    [{ after: "not a cursor" }, "after"],
    [{ after: Buffer.from('["2026-01-01T00:00:00Z","x; drop"]').toString("base64url") }, "after"],
  ])("refuses %j as BAD_USER_INPUT naming %s", async (variables, field) => {
    const answer = await auditLog(variables);
    expect(codes(answer)).toEqual(["BAD_USER_INPUT"]);
    expect(answer.errors[0]?.message).toContain(field);
  });
});
