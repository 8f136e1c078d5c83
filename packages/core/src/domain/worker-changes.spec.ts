import { describe, expect, it } from "vitest";
import { aRunningWorker, at, T0 } from "../../test/support/worker-factory";
import { userActor } from "./actor";
import { createWorker, recordOperationRequested, setTags } from "./worker-changes";
import { laterThan } from "./worker-changes-common";
import { planOperation } from "./worker-transitions";

const ada = userActor("u1", "ada");

describe("createWorker", () => {
  const request = {
    id: "wkr_02",
    name: "lab-b",
    accountId: "default",
    region: "us-west-2",
    instanceType: "c5.2xlarge",
    image: { amiId: "ami-0f7a3b9c2d1e45a68", amiName: "CML-2.9.0-Ubuntu-22.04", cmlVersion: "2.9.0" },
    amiId: null,
    tags: { course: "ccna" },
    idempotencyKey: "key-1",
    createdBy: "ada",
    actor: ada,
    now: T0,
  };

  it("creates a PENDING worker wanted RUNNING with the region's image, and a created event", () => {
    const { worker, events } = createWorker(request);
    expect(worker).toMatchObject({
      status: "PENDING",
      desiredStatus: "RUNNING",
      serviceStatus: "UNKNOWN",
      amiId: "ami-0f7a3b9c2d1e45a68",
      cmlVersion: "2.9.0",
      instanceId: null,
      version: 0,
      createdAt: T0,
    });
    expect(events).toEqual([
      expect.objectContaining({
        type: "worker.created",
        workerId: "wkr_02",
        actor: ada,
        at: T0,
        reason: null,
      }),
    ]);
    expect(events[0]?.message).toContain("lab-b");
  });

  it("uses an explicit AMI without claiming the region's name and version for it", () => {
    const { worker } = createWorker({ ...request, amiId: "ami-0aaaaaaaaaaaaaaaa" });
    expect(worker).toMatchObject({ amiId: "ami-0aaaaaaaaaaaaaaaa", amiName: null, cmlVersion: null });
  });
});

describe("recordOperationRequested", () => {
  it("sets the desired status and records who asked and why, leaving the status to the job", () => {
    const worker = aRunningWorker();
    const { worker: next, events } = recordOperationRequested(
      worker,
      "stop",
      planOperation("stop", "RUNNING"),
      ada,
      "end of class",
      at(5),
    );
    expect(next).toMatchObject({ status: "RUNNING", desiredStatus: "STOPPED", updatedAt: at(5) });
    expect(events).toEqual([
      expect.objectContaining({
        type: "worker.operation_requested",
        reason: "end of class",
        actor: ada,
        data: expect.objectContaining({
          operation: "stop",
          from: "RUNNING",
          desired: "STOPPED",
          next: "STOPPING",
        }),
      }),
    ]);
  });

  it("keeps the desired status for operations that aim at none", () => {
    const { worker } = recordOperationRequested(
      aRunningWorker(),
      "refresh",
      planOperation("refresh", "RUNNING"),
      ada,
      null,
      at(1),
    );
    expect(worker.desiredStatus).toBe("RUNNING");
  });

  it("changes nothing when the request joins work already under way", () => {
    const worker = aRunningWorker({ status: "STOPPING", desiredStatus: "STOPPED" });
    expect(
      recordOperationRequested(worker, "stop", planOperation("stop", "STOPPING"), ada, null, at(1)),
    ).toEqual({
      worker,
      events: [],
    });
  });
});

describe("setTags", () => {
  it("records what was set and removed", () => {
    const { worker, events } = setTags(
      aRunningWorker({ tags: { course: "ccna", owner: "ada" } }),
      { course: "ccnp", lab: "3" },
      ada,
      at(1),
    );
    expect(worker.tags).toEqual({ course: "ccnp", lab: "3" });
    expect(events[0]?.data).toEqual({ set: { course: "ccnp", lab: "3" }, removed: ["owner"] });
  });

  it("is a no-op for the same tags", () => {
    const worker = aRunningWorker({ tags: { course: "ccna" } });
    expect(setTags(worker, { course: "ccna" }, ada, at(1))).toEqual({ worker, events: [] });
  });
});

describe("laterThan", () => {
  it("moves updatedAt forward even within the same millisecond", () => {
    expect(laterThan(T0, T0)).toEqual(new Date(T0.getTime() + 1));
    expect(laterThan(T0, at(1))).toEqual(at(1));
    expect(laterThan(at(2), at(1))).toEqual(new Date(at(2).getTime() + 1));
  });
});
