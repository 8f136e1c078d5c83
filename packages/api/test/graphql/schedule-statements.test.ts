import { randomUUID } from "node:crypto";
import type { Schedule } from "@cml-fleet/core/domain/schedule";
import { createScheduleRepository } from "@cml-fleet/platform/repositories/schedule.repository";
import { beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("schedule-statements");

const PAGE_QUERY = `query($first: Int!) { workers(first: $first) { edges { node {
  id schedule { id name windows { days start end } workers { id } } nextScheduledAction { action at }
  scheduleLeadSeconds } } } }`;

const schedule = (name: string, readyAtStart: boolean): Schedule => ({
  id: randomUUID(),
  name,
  timeZone: "Europe/Paris",
  windows: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "08:30", end: "17:30" }],
  closedDates: [],
  readyAtStart,
});

beforeAll(async () => {
  const schedules = createScheduleRepository(fleet.db.db);
  const on = [schedule("early", true), schedule("on-time", false)];
  for (const each of on) {
    await schedules.create(each, { events: [], audit: [] });
  }
  for (let n = 0; n < 100; n++) {
    const status = n % 2 === 0 ? "STOPPED" : "RUNNING";
    const instanceType = n % 3 === 0 ? "c5.2xlarge" : "c5.4xlarge";
    await fleet.workers.insert(aWorker({ status, instanceType, scheduleId: on[n % 2]?.id ?? null }, n), []);
  }
});

async function statementsForPage(first: number): Promise<string[]> {
  return fleet.db.recordStatements(async () => {
    const page = dataOf(
      await gql<{ workers: { edges: { node: { schedule: unknown } }[] } }>(api.url, PAGE_QUERY, {
        token: fleet.tokens.VIEWER,
        variables: { first },
      }),
    );
    expect(page.workers.edges).toHaveLength(first);
    expect(page.workers.edges.every((edge) => edge.node.schedule !== null)).toBe(true);
  });
}

describe("a page of workers with their schedules", () => {
  it("takes the same number of SQL statements for 10 workers as for 100 (no query per worker)", async () => {
    await statementsForPage(1);
    const ten = await statementsForPage(10);
    const hundred = await statementsForPage(100);
    expect(hundred.length).toBe(ten.length);
    // The page, the schedules, their workers (ids, then rows), one start history per region and instance type, the token.
    expect(ten.length).toBeLessThanOrEqual(10);
  });
});
