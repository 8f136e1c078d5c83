import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("schedules", { env: { CML_SCHEDULE_DEFAULT_LEAD: "20m" } });

const SCHEDULE_FIELDS =
  "id name timeZone windows { days start end } closedDates readyAtStart workers { id name }";
const CREATE = `mutation($input: ScheduleInput!) { createSchedule(input: $input) { ${SCHEDULE_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: ScheduleInput!) { updateSchedule(id: $id, input: $input) { ${SCHEDULE_FIELDS} } }`;
const DELETE = "mutation($id: ID!) { deleteSchedule(id: $id) }";
const LIST = `{ schedules { ${SCHEDULE_FIELDS} } }`;
const SET = `mutation($id: ID!, $scheduleId: ID) {
  setWorkerSchedule(id: $id, scheduleId: $scheduleId) {
    id schedule { id name } nextScheduledAction { action at } scheduleLeadSeconds
  }
}`;

interface ScheduleJson {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly windows: { days: string[]; start: string; end: string }[];
  readonly closedDates: string[];
  readonly readyAtStart: boolean;
  readonly workers: { id: string; name: string }[];
}

const EVERY_DAY = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

function input(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    timeZone: "Europe/Paris",
    windows: [{ days: EVERY_DAY, start: "08:30", end: "17:30" }],
    closedDates: ["2026-12-25"],
    readyAtStart: true,
    ...overrides,
  };
}

async function schedules(): Promise<ScheduleJson[]> {
  return dataOf(await gql<{ schedules: ScheduleJson[] }>(api.url, LIST, { token: fleet.tokens.VIEWER }))
    .schedules;
}

/** An ADMIN creates the schedule `input(name)` describes. */
async function createSchedule(name: string): Promise<ScheduleJson> {
  return dataOf(
    await gql<{ createSchedule: ScheduleJson }>(api.url, CREATE, {
      token: fleet.tokens.ADMIN,
      variables: { input: input(name) },
    }),
  ).createSchedule;
}

describe("schedules through GraphQL", () => {
  it("an ADMIN creates, updates and lists schedules; each change is an audit row and an event", async () => {
    const created = await createSchedule("ccna");
    expect(created).toMatchObject({
      name: "ccna",
      timeZone: "Europe/Paris",
      windows: [{ days: EVERY_DAY, start: "08:30", end: "17:30" }],
      closedDates: ["2026-12-25"],
      readyAtStart: true,
      workers: [],
    });
    const updated = dataOf(
      await gql<{ updateSchedule: ScheduleJson }>(api.url, UPDATE, {
        token: fleet.tokens.ADMIN,
        variables: {
          id: created.id,
          input: input("ccna", { timeZone: "America/New_York", closedDates: [] }),
        },
      }),
    ).updateSchedule;
    expect(updated).toMatchObject({ id: created.id, timeZone: "America/New_York", closedDates: [] });
    expect((await schedules()).map((schedule) => schedule.name)).toContain("ccna");

    const audit = await createAuditRepository(fleet.db.db).read({ first: 50 });
    expect(audit.map((entry) => entry.operation)).toEqual(
      expect.arrayContaining(["createSchedule", "updateSchedule"]),
    );
    const events = await fleet.workers.listEvents(null, 50);
    expect(
      events.filter((event) => event.type === "fleet.schedule_changed").map((event) => event.data.action),
    ).toEqual(expect.arrayContaining(["created", "updated"]));
  });

  it("refuses bad input (BAD_USER_INPUT), a taken name (CONFLICT) and unknown ids (NOT_FOUND), changing nothing", async () => {
    const before = await schedules();
    const bad = await gql(api.url, CREATE, {
      token: fleet.tokens.ADMIN,
      variables: {
        input: input("bad", {
          timeZone: "Mars/Olympus",
          windows: [{ days: ["MON"], start: "25:00", end: "09:00" }],
          closedDates: ["2026-02-30"],
        }),
      },
    });
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(bad.errors[0]?.message).toMatch(/timeZone.*windows\[0\]\.start.*closedDates\[0\]/);
    const badName = await gql(api.url, CREATE, {
      token: fleet.tokens.ADMIN,
      variables: { input: input("line\nbreak") },
    });
    expect(codes(badName)).toEqual(["BAD_USER_INPUT"]);
    await gql(api.url, CREATE, { token: fleet.tokens.ADMIN, variables: { input: input("taken") } });
    const taken = await gql(api.url, CREATE, {
      token: fleet.tokens.ADMIN,
      variables: { input: input("taken") },
    });
    expect(codes(taken)).toEqual(["CONFLICT"]);
    const unknownId = "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c";
    expect(
      codes(
        await gql(api.url, UPDATE, {
          token: fleet.tokens.ADMIN,
          variables: { id: unknownId, input: input("x") },
        }),
      ),
    ).toEqual(["NOT_FOUND"]);
    expect(
      codes(await gql(api.url, DELETE, { token: fleet.tokens.ADMIN, variables: { id: unknownId } })),
    ).toEqual(["NOT_FOUND"]);
    expect(
      codes(await gql(api.url, DELETE, { token: fleet.tokens.ADMIN, variables: { id: "not-a-uuid" } })),
    ).toEqual(["BAD_USER_INPUT"]);
    expect((await schedules()).length).toBe(before.length + 1);
  });

  it("is for ADMINs to change; OPERATORs attach; VIEWERs read", async () => {
    expect(
      codes(await gql(api.url, CREATE, { token: fleet.tokens.OPERATOR, variables: { input: input("op") } })),
    ).toEqual(["FORBIDDEN"]);
    const { worker } = await fleet.workers.insert(
      aWorker({ status: "STOPPED", desiredStatus: "STOPPED" }, 7),
      [],
    );
    expect(
      codes(
        await gql(api.url, SET, {
          token: fleet.tokens.VIEWER,
          variables: { id: worker.id, scheduleId: null },
        }),
      ),
    ).toEqual(["FORBIDDEN"]);
  });

  it("puts a worker on a schedule: its schedule, next action and lead time show; detached, the schedule can go", async () => {
    const schedule = await createSchedule("every-day");
    const { worker } = await fleet.workers.insert(
      aWorker({ status: "STOPPED", desiredStatus: "STOPPED" }, 3),
      [],
    );
    const set = dataOf(
      await gql<{
        setWorkerSchedule: {
          schedule: { id: string } | null;
          nextScheduledAction: { action: string; at: string } | null;
          scheduleLeadSeconds: number | null;
        };
      }>(api.url, SET, {
        token: fleet.tokens.OPERATOR,
        variables: { id: worker.id, scheduleId: schedule.id },
      }),
    ).setWorkerSchedule;
    expect(set.schedule?.id).toBe(schedule.id);
    // No starts to learn from: the default lead (20m) plus one evaluation interval (60s).
    expect(set.scheduleLeadSeconds).toBe(21 * 60);
    expect(set.nextScheduledAction?.action).toBe("START");
    expect(Number.isNaN(Date.parse(set.nextScheduledAction?.at ?? ""))).toBe(false);
    expect((await schedules()).find((s) => s.id === schedule.id)?.workers.map((w) => w.id)).toEqual([
      worker.id,
    ]);
    const events = await fleet.workers.listEvents(worker.id, 10);
    expect(events.find((event) => event.type === "worker.schedule_changed")?.data).toMatchObject({
      from: null,
      to: schedule.id,
    });

    const refused = await gql(api.url, DELETE, { token: fleet.tokens.ADMIN, variables: { id: schedule.id } });
    expect(codes(refused)).toEqual(["CONFLICT"]);
    const unknown = await gql(api.url, SET, {
      token: fleet.tokens.OPERATOR,
      variables: { id: worker.id, scheduleId: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c" },
    });
    expect(codes(unknown)).toEqual(["NOT_FOUND"]);
    dataOf(
      await gql(api.url, SET, {
        token: fleet.tokens.OPERATOR,
        variables: { id: worker.id, scheduleId: null },
      }),
    );
    expect(
      dataOf(
        await gql<{ deleteSchedule: boolean }>(api.url, DELETE, {
          token: fleet.tokens.ADMIN,
          variables: { id: schedule.id },
        }),
      ).deleteSchedule,
    ).toBe(true);
    const audit = await createAuditRepository(fleet.db.db).read({ first: 100 });
    expect(
      audit.filter((entry) => entry.operation === "setWorkerSchedule" && entry.outcome === "ok"),
    ).toHaveLength(2);
  });

  it("creates a worker on a schedule, and refuses an unknown schedule before creating anything", async () => {
    const schedule = await createSchedule("new-workers");
    const CREATE_WORKER = `mutation($input: CreateWorkerInput!) { createWorker(input: $input) { worker { id name schedule { id } events(first: 10) { type data } } } }`;
    const region = fleet.settings.aws.allowedRegions[0];
    const refused = await gql(api.url, CREATE_WORKER, {
      token: fleet.tokens.ADMIN,
      variables: {
        input: { name: "sched-none", region, scheduleId: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c" },
      },
    });
    expect(codes(refused)).toEqual(["NOT_FOUND"]);
    expect((await fleet.workers.list({ search: "sched-none" }, 10, null)).totalCount).toBe(0);
    const created = dataOf(
      await gql<{
        createWorker: {
          worker: {
            name: string;
            schedule: { id: string } | null;
            events: { type: string; data: unknown }[];
          };
        };
      }>(api.url, CREATE_WORKER, {
        token: fleet.tokens.ADMIN,
        variables: { input: { name: "sched-one", region, scheduleId: schedule.id } },
      }),
    ).createWorker;
    expect(created.worker.schedule?.id).toBe(schedule.id);
    // Put on its schedule in the creation's own transaction: one event says so, no second write follows.
    expect(created.worker.events.map((event) => event.type)).toEqual(["worker.created"]);
    expect(created.worker.events[0]?.data).toMatchObject({ scheduleId: schedule.id });
  });
});
