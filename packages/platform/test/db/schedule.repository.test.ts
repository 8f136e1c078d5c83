import { randomUUID } from "node:crypto";
import type { Schedule } from "@cml-fleet/core/domain/schedule";
import { ConflictError } from "@cml-fleet/core/errors";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../../../api/test/support/worker-factory";
import { createScheduleRepository } from "../../src/repositories/schedule.repository";
import { createWorkerRepository } from "../../src/repositories/worker.repository";
import { createTestDatabase, type TestDatabase } from "../../src/testing/test-database";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase("schedules");
});
afterAll(() => testDb.cleanup());

function aSchedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: randomUUID(),
    name: `class-${randomUUID().slice(0, 8)}`,
    timeZone: "Europe/Paris",
    windows: [{ days: ["MON", "TUE"], start: "08:30", end: "17:30" }],
    closedDates: ["2026-12-25"],
    readyAtStart: true,
    ...overrides,
  };
}

function audit(operation: string): AuditEntry {
  return {
    at: new Date("2026-01-01T12:00:00.000Z"),
    actor: "alice",
    role: "ADMIN",
    operation,
    arguments: {},
    outcome: "ok",
    errorMessage: null,
    requestId: null,
  };
}

const NOTHING = { events: [], audit: [] };

describe("schedule repository", () => {
  it("creates, reads back, updates and lists schedules, with the event and audit row in the transaction", async () => {
    const repository = createScheduleRepository(testDb.db);
    const schedule = aSchedule();
    const created = await repository.create(schedule, {
      events: [anEvent({ type: "fleet.schedule_changed", data: { action: "created" } })],
      audit: [audit("createSchedule")],
    });
    expect(created.schedule).toEqual(schedule);
    expect(created.events.map((event) => event.type)).toEqual(["fleet.schedule_changed"]);
    expect(await repository.findById(schedule.id)).toEqual(schedule);
    const updated = await repository.update(
      schedule.id,
      { name: schedule.name, spec: { ...schedule, timeZone: "UTC", closedDates: [] } },
      NOTHING,
    );
    expect(updated?.schedule).toMatchObject({ timeZone: "UTC", closedDates: [] });
    expect(await repository.update(randomUUID(), { name: "x", spec: schedule }, NOTHING)).toBeNull();
    expect((await repository.list()).map((s) => s.id)).toContain(schedule.id);
    expect(await repository.findByIds([schedule.id, randomUUID()])).toHaveLength(1);
  });

  it("refuses a second schedule of the same name (CONFLICT)", async () => {
    const repository = createScheduleRepository(testDb.db);
    const first = aSchedule();
    await repository.create(first, NOTHING);
    await expect(repository.create(aSchedule({ name: first.name }), NOTHING)).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("keeps the schedule of a worker across saves, and refuses to delete a schedule with workers on it", async () => {
    const repository = createScheduleRepository(testDb.db);
    const workers = createWorkerRepository(testDb.db);
    const schedule = aSchedule();
    await repository.create(schedule, NOTHING);
    const state = {
      openingAt: new Date("2026-01-05T07:30:00.000Z"),
      startedAt: null,
      leadMs: 0,
      lateRecorded: false,
    };
    const { worker } = await workers.insert(aWorker({ scheduleId: schedule.id, scheduleState: state }), []);
    const saved = await workers.save({ ...worker, statusReason: "x" }, []);
    expect(saved.worker).toMatchObject({ scheduleId: schedule.id, scheduleState: state });
    expect((await repository.workerIdsOf([schedule.id])).get(schedule.id)).toEqual([worker.id]);
    await expect(repository.delete(schedule.id, NOTHING)).rejects.toThrow(/has 1 worker\(s\) on it/);
    await workers.save({ ...saved.worker, scheduleId: null }, []);
    expect((await repository.delete(schedule.id, NOTHING)).deleted).toBe(true);
    expect(await repository.findById(schedule.id)).toBeNull();
    expect((await repository.delete(schedule.id, NOTHING)).deleted).toBe(false);
  });

  it("learns start durations (start asked → AVAILABLE) per region and instance type, most recent first", async () => {
    const repository = createScheduleRepository(testDb.db);
    const workers = createWorkerRepository(testDb.db);
    const { worker } = await workers.insert(aWorker({ region: "eu-west-3", instanceType: "m5zn.metal" }), []);
    // Recent starts (the history looks back 90 days); an old one is not learned from.
    const base = Date.now() - 3_600_000;
    const at = (minute: number) => new Date(base + minute * 60_000);
    const asked = (minute: number, operation = "start") =>
      anEvent({
        type: "worker.operation_requested",
        workerId: worker.id,
        at: at(minute),
        data: { operation },
      });
    const available = (minute: number) =>
      anEvent({
        type: "worker.service_status_changed",
        workerId: worker.id,
        at: at(minute),
        data: { from: "STARTING", to: "AVAILABLE" },
      });
    const longAgo = (minute: number) => new Date(base - 100 * 86_400_000 + minute * 60_000);
    await workers.appendEvents([
      { ...asked(0), at: longAgo(0) },
      { ...available(1), at: longAgo(1) },
      asked(0),
      available(7),
      // A start stopped before it was ready does not count.
      asked(10),
      asked(11, "stop"),
      asked(20),
      available(29),
    ]);
    expect(await repository.startDurations("eu-west-3", "m5zn.metal", 10)).toEqual([9 * 60_000, 7 * 60_000]);
    expect(await repository.startDurations("eu-west-3", "m5zn.metal", 1)).toEqual([9 * 60_000]);
    expect(await repository.startDurations("us-east-1", "m5zn.metal", 10)).toEqual([]);
  });
});
