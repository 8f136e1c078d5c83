import { describe, expect, it } from "vitest";
import { InvalidTransitionError } from "../errors";
import { WORKER_STATUSES, type WorkerStatus } from "./worker-status";
import {
  assertTransition,
  canTransition,
  type OperationPlan,
  planOperation,
  STATUS_TRANSITIONS,
  WORKER_OPERATIONS,
  type WorkerOperation,
} from "./worker-transitions";

const pairs = WORKER_STATUSES.flatMap((from) => WORKER_STATUSES.map((to) => [from, to] as const));
const allowed = pairs.filter(([from, to]) => from !== to && STATUS_TRANSITIONS[from].includes(to));
const forbidden = pairs.filter(([from, to]) => from !== to && !STATUS_TRANSITIONS[from].includes(to));

describe("status transitions", () => {
  it.each(allowed)("allows %s → %s", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition("observe", from, to)).not.toThrow();
  });

  it.each(forbidden)("forbids %s → %s with a conflict naming both", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition("observe", from, to)).toThrow(InvalidTransitionError);
    expect(() => assertTransition("observe", from, to)).toThrow(`${from} (it would become ${to})`);
  });

  it.each(WORKER_STATUSES)("treats staying %s as no transition", (status) => {
    expect(canTransition(status, status)).toBe(true);
  });

  it("makes TERMINATED final and lets every other status reach it", () => {
    expect(STATUS_TRANSITIONS.TERMINATED).toEqual([]);
    for (const status of WORKER_STATUSES.filter((s) => s !== "TERMINATED")) {
      expect(canTransition(status, "TERMINATED")).toBe(true);
    }
  });

  it("never lists a status as a transition to itself", () => {
    for (const status of WORKER_STATUSES) {
      expect(STATUS_TRANSITIONS[status]).not.toContain(status);
    }
  });
});

/** The whole operation table, spelled out: what each operation does from each status. */
const EXPECTED: Record<WorkerOperation, Record<WorkerStatus, OperationPlan | "conflict">> = {
  start: {
    PENDING: { kind: "join" },
    RUNNING: { kind: "join" },
    STOPPING: "conflict",
    STOPPED: { kind: "run", desired: "RUNNING", next: "PENDING" },
    SHUTTING_DOWN: "conflict",
    TERMINATED: "conflict",
    FAILED: { kind: "run", desired: "RUNNING", next: "PENDING" },
    UNKNOWN: { kind: "run", desired: "RUNNING", next: "PENDING" },
  },
  stop: {
    PENDING: { kind: "run", desired: "STOPPED", next: "STOPPING" },
    RUNNING: { kind: "run", desired: "STOPPED", next: "STOPPING" },
    STOPPING: { kind: "join" },
    STOPPED: { kind: "join" },
    SHUTTING_DOWN: "conflict",
    TERMINATED: "conflict",
    FAILED: { kind: "run", desired: "STOPPED", next: "STOPPING" },
    UNKNOWN: { kind: "run", desired: "STOPPED", next: "STOPPING" },
  },
  terminate: {
    PENDING: { kind: "run", desired: "TERMINATED", next: "SHUTTING_DOWN" },
    RUNNING: { kind: "run", desired: "TERMINATED", next: "SHUTTING_DOWN" },
    STOPPING: { kind: "run", desired: "TERMINATED", next: "SHUTTING_DOWN" },
    STOPPED: { kind: "run", desired: "TERMINATED", next: "SHUTTING_DOWN" },
    SHUTTING_DOWN: { kind: "join" },
    TERMINATED: "conflict",
    FAILED: { kind: "run", desired: "TERMINATED", next: "SHUTTING_DOWN" },
    UNKNOWN: { kind: "run", desired: "TERMINATED", next: "SHUTTING_DOWN" },
  },
  refresh: {
    PENDING: { kind: "run", desired: null, next: null },
    RUNNING: { kind: "run", desired: null, next: null },
    STOPPING: { kind: "run", desired: null, next: null },
    STOPPED: { kind: "run", desired: null, next: null },
    SHUTTING_DOWN: { kind: "run", desired: null, next: null },
    TERMINATED: "conflict",
    FAILED: { kind: "run", desired: null, next: null },
    UNKNOWN: { kind: "run", desired: null, next: null },
  },
  "register-license": onlyWhenRunning(),
  "deregister-license": onlyWhenRunning(),
  // A running or stopped instance has a root volume to snapshot; the worker's status stays as it is.
  snapshot: {
    PENDING: "conflict",
    RUNNING: { kind: "run", desired: null, next: null },
    STOPPING: "conflict",
    STOPPED: { kind: "run", desired: null, next: null },
    SHUTTING_DOWN: "conflict",
    TERMINATED: "conflict",
    FAILED: "conflict",
    UNKNOWN: "conflict",
  },
};

function onlyWhenRunning(): Record<WorkerStatus, OperationPlan | "conflict"> {
  return Object.fromEntries(
    WORKER_STATUSES.map((status) => [
      status,
      status === "RUNNING" ? { kind: "run", desired: null, next: null } : "conflict",
    ]),
  ) as Record<WorkerStatus, OperationPlan | "conflict">;
}

const cases = WORKER_OPERATIONS.flatMap((operation) =>
  WORKER_STATUSES.map((status) => [operation, status, EXPECTED[operation][status]] as const),
);

describe("planOperation", () => {
  it.each(cases.filter(([, , expected]) => expected !== "conflict"))(
    "%s from %s plans %o",
    (operation, status, expected) => {
      expect(planOperation(operation, status)).toEqual(expected);
    },
  );

  it.each(cases.filter(([, , expected]) => expected === "conflict"))(
    "refuses to %s a worker that is %s",
    (operation, status) => {
      expect(() => planOperation(operation, status)).toThrow(InvalidTransitionError);
      expect(() => planOperation(operation, status)).toThrow(
        `cannot ${operation} a worker that is ${status}`,
      );
    },
  );

  it("only plans status steps the transition table allows", () => {
    for (const [operation, status] of cases) {
      try {
        const plan = planOperation(operation, status);
        if (plan.kind === "run" && plan.next !== null) {
          expect(canTransition(status, plan.next)).toBe(true);
        }
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidTransitionError);
      }
    }
  });

  it("reports a refusal as a CONFLICT", () => {
    expect(() => planOperation("start", "TERMINATED")).toThrow(expect.objectContaining({ code: "CONFLICT" }));
  });
});

describe("planning against the desired status (a request after a queued opposite one)", () => {
  it("records a start on a RUNNING worker whose stop is queued, instead of joining", () => {
    expect(planOperation("start", "RUNNING", "STOPPED")).toEqual({
      kind: "run",
      desired: "RUNNING",
      next: null,
    });
    expect(planOperation("start", "PENDING", "STOPPED")).toEqual({
      kind: "run",
      desired: "RUNNING",
      next: null,
    });
  });

  it("records a stop on a STOPPED worker whose start is queued (the symmetric case)", () => {
    expect(planOperation("stop", "STOPPED", "RUNNING")).toEqual({
      kind: "run",
      desired: "STOPPED",
      next: null,
    });
  });

  it("still joins when the worker is already heading where asked", () => {
    expect(planOperation("start", "RUNNING", "RUNNING")).toEqual({ kind: "join" });
    expect(planOperation("stop", "STOPPING", "STOPPED")).toEqual({ kind: "join" });
    expect(planOperation("terminate", "SHUTTING_DOWN", "TERMINATED")).toEqual({ kind: "join" });
  });

  it("plans a run from a status the operation runs from exactly as without the desired status", () => {
    expect(planOperation("stop", "RUNNING", "RUNNING")).toEqual(planOperation("stop", "RUNNING"));
    expect(planOperation("start", "STOPPED", "STOPPED")).toEqual(planOperation("start", "STOPPED"));
  });
});
