import { describe, expect, it } from "vitest";
import { aWorker, iso, T0 } from "../../test/support/fleet-factory";
import type { WorkerEntry } from "./fleet-reducer";
import type { Worker } from "./fleet-types";
import { matchesFilter, scrollOffset, selectFleetTotals, selectVisibleWorkers } from "./selectors";

function entries(...workers: Worker[]): Map<string, WorkerEntry> {
  return new Map(workers.map((worker) => [worker.id, { worker, cpu: [] }]));
}

describe("matchesFilter", () => {
  const worker = aWorker({ name: "lab-eu-1", region: "eu-west-1", status: "STOPPED" });
  it.each([
    ["", true],
    ["lab", true],
    ["EU-WEST", true],
    ["stopped", true],
    ["west stop", true],
    ["running", false],
    ["west running", false],
  ])("%j matches: %s", (filter, expected) => {
    expect(matchesFilter(worker, filter)).toBe(expected);
  });
});

describe("selectVisibleWorkers", () => {
  const a = aWorker({ id: "1", name: "a", status: "STOPPED", cost: { hourlyRate: 5 } });
  const b = aWorker({ id: "2", name: "b", status: "RUNNING", cost: { hourlyRate: 1 } });
  const c = aWorker({
    id: "3",
    name: "c",
    status: "RUNNING",
    cost: { hourlyRate: 2 },
    idle: { isIdle: true, idleSince: iso(T0 - 60_000) },
  });
  const names = (list: WorkerEntry[]) => list.map((entry) => entry.worker.name);

  it("sorts by name, then by the chosen key in either direction with name breaking ties", () => {
    const all = entries(c, a, b);
    expect(names(selectVisibleWorkers(all, "", { key: "name", descending: false }, T0))).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(names(selectVisibleWorkers(all, "", { key: "status", descending: false }, T0))).toEqual([
      "b",
      "c",
      "a",
    ]);
    // A stopped worker costs nothing per hour, whatever its instance rate.
    expect(names(selectVisibleWorkers(all, "", { key: "cost", descending: true }, T0))).toEqual([
      "c",
      "b",
      "a",
    ]);
    expect(names(selectVisibleWorkers(all, "", { key: "idle", descending: true }, T0))).toEqual([
      "c",
      "a",
      "b",
    ]);
  });

  it("orders numbered names as people count", () => {
    const numbered = entries(
      aWorker({ name: "lab-10" }),
      aWorker({ name: "lab-9" }),
      aWorker({ name: "Lab-1" }),
    );
    expect(names(selectVisibleWorkers(numbered, "", { key: "name", descending: false }, T0))).toEqual([
      "Lab-1",
      "lab-9",
      "lab-10",
    ]);
  });

  it("filters before sorting", () => {
    expect(
      names(selectVisibleWorkers(entries(a, b, c), "running", { key: "name", descending: true }, T0)),
    ).toEqual(["c", "b"]);
  });
});

describe("selectFleetTotals", () => {
  it("counts by status and sums the hourly cost of billed workers and the savings", () => {
    const totals = selectFleetTotals(
      entries(
        aWorker({ status: "RUNNING", cost: { hourlyRate: 1.5, savedByAutoStop: 2 } }),
        aWorker({ status: "PENDING", cost: { hourlyRate: 1 } }),
        aWorker({ status: "STOPPED", cost: { hourlyRate: 9, savedByAutoStop: 3 }, idle: { isIdle: true } }),
      ),
    );
    expect(totals.total).toBe(3);
    expect(Object.fromEntries(totals.byStatus)).toEqual({ RUNNING: 1, PENDING: 1, STOPPED: 1 });
    expect(totals.hourlyCost).toBeCloseTo(2.5);
    expect(totals.savedByAutoStop).toBeCloseTo(5);
    expect(totals.idle).toBe(1);
  });
});

describe("scrollOffset", () => {
  it("moves the window only as far as needed to show the selection", () => {
    expect(scrollOffset(0, 5, 10, 100)).toBe(0);
    expect(scrollOffset(0, 10, 10, 100)).toBe(1);
    expect(scrollOffset(20, 25, 10, 100)).toBe(20);
    expect(scrollOffset(20, 3, 10, 100)).toBe(3);
  });

  it("never scrolls past the end, even when the list shrinks", () => {
    expect(scrollOffset(0, 99, 10, 100)).toBe(90);
    expect(scrollOffset(90, 4, 10, 5)).toBe(0);
  });
});
