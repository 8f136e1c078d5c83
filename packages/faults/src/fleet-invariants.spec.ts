import { describe, expect, it } from "vitest";
import { auditInstances, auditProblems, intentGap, WORKER_ID_TAG } from "./fleet-invariants";
import type { WorkerView } from "./graphql-client";
import type { SimInstance } from "./simulator-process";

const worker = (
  id: string,
  status: string,
  instanceId: string | null,
  more: Partial<WorkerView> = {},
): WorkerView => ({
  id,
  name: `w-${id}`,
  instanceId,
  status,
  desiredStatus: status,
  serviceStatus: status === "RUNNING" ? "AVAILABLE" : "UNAVAILABLE",
  statusReason: null,
  license: { status: "REGISTERED" },
  telemetry: null,
  ...more,
});
const instance = (instanceId: string, state: string, workerId?: string): SimInstance => ({
  instanceId,
  state,
  region: "us-east-1",
  tags: workerId === undefined ? {} : { [WORKER_ID_TAG]: workerId },
});

describe("the fleet's invariants", () => {
  it("an intent is reached only with the status, AVAILABLE when running, and the license when asked", () => {
    expect(intentGap(worker("1", "RUNNING", "i-1"), { status: "RUNNING", licensed: true })).toBeNull();
    expect(intentGap(worker("1", "PENDING", "i-1"), { status: "RUNNING" })).toMatch(/status PENDING/);
    expect(
      intentGap(worker("1", "RUNNING", "i-1", { serviceStatus: "STARTING" }), { status: "RUNNING" }),
    ).toMatch(/service STARTING/);
    expect(
      intentGap(worker("1", "RUNNING", "i-1", { license: { status: "EVALUATION" } }), {
        status: "RUNNING",
        licensed: true,
      }),
    ).toMatch(/license EVALUATION/);
    expect(intentGap(null, { status: "TERMINATED" })).toBeNull();
    expect(intentGap(null, { status: "STOPPED" })).toMatch(/gone/);
  });

  it("finds a live worker without its one instance, a second launch, and an instance nobody knows", () => {
    const audit = auditInstances(
      [worker("a", "RUNNING", "i-a"), worker("b", "STOPPED", "i-b2"), worker("c", "TERMINATED", "i-c")],
      [
        instance("i-a", "running", "a"),
        instance("i-b1", "terminated", "b"),
        instance("i-b2", "stopped", "b"),
        instance("i-c", "terminated", "c"),
        instance("i-x", "running"),
      ],
    );
    expect(audit.notOneInstance).toEqual([]);
    expect(audit.duplicates).toEqual(["w-b: i-b1=terminated, i-b2=stopped"]);
    expect(audit.orphans).toEqual(["i-x=running tagged -"]);
    expect(auditProblems(audit)).toHaveLength(2);
  });

  it("a live worker with two instances up, or none, is not exactly one", () => {
    const audit = auditInstances(
      [worker("a", "RUNNING", "i-a1"), worker("b", "RUNNING", null)],
      [instance("i-a1", "running", "a"), instance("i-a2", "pending", "a")],
    );
    expect(audit.notOneInstance).toEqual([
      "w-a (RUNNING): i-a1=running, i-a2=pending",
      "w-b (RUNNING): no instance",
    ]);
    expect(audit.orphans).toEqual(["i-a2=pending tagged a"]);
  });
});
