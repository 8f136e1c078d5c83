import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("queries");
const WORKER_FIELDS = `id name region instanceType amiId status desiredStatus serviceStatus
  license { status nodeLimit nodesInUse } telemetry { sampledAt cpuPercent runningNodes cmlReachable }
  labs { id title state } idle { enabled thresholdMinutes isIdle keepAliveUntil }
  cost { hourlyRate accrued savedByAutoStop } tags { key value } events(first: 5) { type message actor }
  createdAt updatedAt`;

beforeAll(async () => {
  for (let n = 0; n < 5; n++) {
    const worker = aWorker(
      {
        name: `lab-${n}`,
        region: n % 2 === 0 ? "us-east-1" : "us-west-2",
        status: n === 4 ? "STOPPED" : "RUNNING",
        tags: { team: n < 2 ? "blue" : "red" },
        instanceId: `i-0000000000000000${n}`,
        labs: [{ id: `lab${n}`, title: `Lab ${n}`, state: "STARTED" }],
      },
      n,
    );
    await fleet.workers.insert(worker, [anEvent({ workerId: worker.id, at: worker.createdAt })]);
  }
});

describe("queries", () => {
  it("pages through workers in a stable order with a total count", async () => {
    const query = `query($after: String) { workers(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name } } } }`;
    const names: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const result: {
        workers: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          edges: { node: { name: string } }[];
        };
      } = dataOf(await gql(api.url, query, { token: fleet.tokens.VIEWER, variables: { after } }));
      expect(result.workers.totalCount).toBe(5);
      names.push(...result.workers.edges.map((edge) => edge.node.name));
      after = result.workers.pageInfo.endCursor;
      expect(result.workers.pageInfo.hasNextPage).toBe(page < 2);
    }
    expect(names).toEqual(["lab-0", "lab-1", "lab-2", "lab-3", "lab-4"]);
  });

  it("filters workers by region, status, search and tag", async () => {
    const query = `query($filter: WorkerFilter) { workers(filter: $filter) { totalCount edges { node { name } } } }`;
    const names = async (filter: Record<string, unknown>) =>
      dataOf(
        await gql<{ workers: { edges: { node: { name: string } }[] } }>(api.url, query, {
          token: fleet.tokens.VIEWER,
          variables: { filter },
        }),
      ).workers.edges.map((edge) => edge.node.name);
    expect(await names({ region: "us-west-2" })).toEqual(["lab-1", "lab-3"]);
    expect(await names({ status: ["STOPPED"] })).toEqual(["lab-4"]);
    expect(await names({ search: "LAB-2" })).toEqual(["lab-2"]);
    expect(await names({ tag: { key: "team", value: "blue" } })).toEqual(["lab-0", "lab-1"]);
  });

  it("answers a worker with every nested field, and null for an unknown id", async () => {
    const list = dataOf(
      await gql<{ workers: { edges: { node: { id: string } }[] } }>(
        api.url,
        "{ workers(first: 1) { edges { node { id } } } }",
        {
          token: fleet.tokens.VIEWER,
        },
      ),
    );
    const id = list.workers.edges[0]?.node.id;
    const result = dataOf(
      await gql<{ worker: Record<string, unknown> & { cost: { hourlyRate: number }; events: unknown[] } }>(
        api.url,
        `query($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`,
        { token: fleet.tokens.VIEWER, variables: { id } },
      ),
    );
    expect(result.worker).toMatchObject({
      name: "lab-0",
      status: "RUNNING",
      labs: [{ id: "lab0", title: "Lab 0", state: "STARTED" }],
      tags: [{ key: "team", value: "blue" }],
      idle: { enabled: true, thresholdMinutes: 30, isIdle: false, keepAliveUntil: null },
    });
    expect(result.worker.cost.hourlyRate).toBeGreaterThan(0);
    expect(result.worker.events).toHaveLength(1);
    const missing = await gql(api.url, `{ worker(id: "${randomUUID()}") { id } }`, {
      token: fleet.tokens.VIEWER,
    });
    expect(missing.errors).toEqual([]);
    expect(missing.data).toEqual({ worker: null });
    // Not a worker id at all: refused before any lookup, saying what an id looks like.
    const malformed = await gql(api.url, `{ worker(id: "no-such-worker") { id } }`, {
      token: fleet.tokens.VIEWER,
    });
    expect(codes(malformed)).toEqual(["BAD_USER_INPUT"]);
    expect(malformed.errors[0]?.message).toMatch(/^id: must be a worker id, a UUID/);
  });

  it("summarizes the fleet", async () => {
    const { fleetSummary } = dataOf(
      await gql<{
        fleetSummary: {
          total: number;
          byStatus: { status: string; count: number }[];
          idle: number;
          hourlyCost: number;
        };
      }>(api.url, "{ fleetSummary { total byStatus { status count } idle hourlyCost savedByAutoStop } }", {
        token: fleet.tokens.VIEWER,
      }),
    );
    expect(fleetSummary.total).toBe(5);
    expect(fleetSummary.byStatus).toContainEqual({ status: "RUNNING", count: 4 });
    expect(fleetSummary.byStatus).toContainEqual({ status: "STOPPED", count: 1 });
    expect(fleetSummary.idle).toBe(0);
    expect(fleetSummary.hourlyCost).toBeGreaterThan(0);
  });

  it("lists events newest first, of the fleet or of one worker", async () => {
    const all = dataOf(
      await gql<{ events: { workerId: string }[] }>(
        api.url,
        "{ events(first: 3) { id type workerId at message } }",
        { token: fleet.tokens.VIEWER },
      ),
    );
    expect(all.events).toHaveLength(3);
    const one = dataOf(
      await gql<{ events: { workerId: string }[] }>(
        api.url,
        "query($w: ID) { events(workerId: $w) { workerId } }",
        {
          token: fleet.tokens.VIEWER,
          variables: { w: all.events[0]?.workerId },
        },
      ),
    );
    expect(one.events.map((event) => event.workerId)).toEqual([all.events[0]?.workerId]);
  });

  it("lists jobs and answers null for an unknown job", async () => {
    const result = dataOf(
      await gql<{ jobs: unknown[]; job: unknown }>(
        api.url,
        `{ jobs(first: 5) { id } job(id: "start.nothing") { id } }`,
        { token: fleet.tokens.VIEWER },
      ),
    );
    expect(result.jobs).toEqual([]);
    expect(result.job).toBeNull();
  });

  it("tells the caller who they are", async () => {
    const result = dataOf(
      await gql<{ viewer: unknown }>(api.url, "{ viewer { name role } }", { token: fleet.tokens.OPERATOR }),
    );
    expect(result.viewer).toEqual({ name: "operator-token", role: "OPERATOR" });
  });

  it("refuses a page size out of range as BAD_USER_INPUT", async () => {
    const result = await gql(api.url, "{ workers(first: 501) { totalCount } }", {
      token: fleet.tokens.VIEWER,
    });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a cursor it did not issue as BAD_USER_INPUT", async () => {
    const result = await gql(api.url, `{ workers(after: "garbage") { totalCount } }`, {
      token: fleet.tokens.VIEWER,
    });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
  });
});
