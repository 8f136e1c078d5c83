import { describe, expect, it } from "vitest";
import { aRunningWorker, at } from "../../test/support/worker-factory";
import { InvalidTransitionError } from "../errors";
import { systemActor } from "./actor";
import { UNKNOWN_LICENSE } from "./worker";
import { applyLicense, applyObservedStatus, applyServiceStatus } from "./worker-changes-observed";
import { WORKER_STATUSES } from "./worker-status";
import { STATUS_TRANSITIONS } from "./worker-transitions";

const sweep = systemActor("telemetry");

describe("applyObservedStatus", () => {
  const pairs = WORKER_STATUSES.flatMap((from) =>
    WORKER_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
  );

  it.each(pairs.filter(([from, to]) => STATUS_TRANSITIONS[from].includes(to)))(
    "records %s → %s with one event",
    (from, to) => {
      const { worker, events } = applyObservedStatus(
        aRunningWorker({ status: from }),
        to,
        "seen by sweep",
        sweep,
        at(3),
      );
      expect(worker).toMatchObject({
        status: to,
        statusReason: "seen by sweep",
        statusChangedAt: at(3),
        updatedAt: at(3),
      });
      expect(events).toEqual([
        expect.objectContaining({
          type: to === "TERMINATED" ? "worker.terminated" : "worker.status_changed",
          reason: "seen by sweep",
          actor: sweep,
          data: { from, to },
        }),
      ]);
    },
  );

  it.each(pairs.filter(([from, to]) => !STATUS_TRANSITIONS[from].includes(to)))(
    "refuses %s → %s",
    (from, to) => {
      expect(() => applyObservedStatus(aRunningWorker({ status: from }), to, null, sweep, at(3))).toThrow(
        InvalidTransitionError,
      );
    },
  );

  it.each(WORKER_STATUSES)("changes nothing when %s is seen again", (status) => {
    const worker = aRunningWorker({ status });
    expect(applyObservedStatus(worker, status, "again", sweep, at(3))).toEqual({ worker, events: [] });
  });

  it("opens a new idle stretch when the worker comes up", () => {
    const stopped = aRunningWorker({ status: "STOPPED" });
    const { worker } = applyObservedStatus(stopped, "RUNNING", null, sweep, at(90));
    expect(worker.idle.lastStartedAt).toEqual(at(90));
  });

  it("withdraws an idle warning and marks CML unavailable when the worker leaves RUNNING", () => {
    const warned = aRunningWorker({
      idle: { ...aRunningWorker().idle, idleSince: at(60), warnedAt: at(80), autoStopAt: at(90) },
    });
    const { worker } = applyObservedStatus(warned, "STOPPED", null, sweep, at(91));
    expect(worker.idle).toMatchObject({ idleSince: null, warnedAt: null, autoStopAt: null });
    expect(worker.serviceStatus).toBe("UNAVAILABLE");
  });

  it("makes an observed termination the desired status too", () => {
    expect(applyObservedStatus(aRunningWorker(), "TERMINATED", null, sweep, at(1)).worker.desiredStatus).toBe(
      "TERMINATED",
    );
  });
});

describe("applyServiceStatus", () => {
  it("records a change of the CML service", () => {
    const { worker, events } = applyServiceStatus(
      aRunningWorker({ serviceStatus: "STARTING" }),
      "AVAILABLE",
      "ready",
      sweep,
      at(1),
    );
    expect(worker.serviceStatus).toBe("AVAILABLE");
    expect(events).toEqual([
      expect.objectContaining({
        type: "worker.service_status_changed",
        data: { from: "STARTING", to: "AVAILABLE" },
      }),
    ]);
  });

  it("is a no-op when unchanged", () => {
    const worker = aRunningWorker();
    expect(applyServiceStatus(worker, "AVAILABLE", null, sweep, at(1))).toEqual({ worker, events: [] });
  });

  it("writes the event a look at CML always wrote: the new state in the message, from and to as data", () => {
    const { events } = applyServiceStatus(
      aRunningWorker(),
      "UNAVAILABLE",
      "connection refused",
      sweep,
      at(1),
    );
    expect(events).toEqual([
      {
        type: "worker.service_status_changed",
        workerId: "wkr_01",
        at: at(1),
        message: "lab-a: CML unavailable",
        reason: "connection refused",
        actor: sweep,
        data: { from: "AVAILABLE", to: "UNAVAILABLE" },
      },
    ]);
  });

  it("names the version CML said it is ready at, and records it", () => {
    const starting = aRunningWorker({ serviceStatus: "STARTING", cmlVersion: null });
    const { worker, events } = applyServiceStatus(starting, "AVAILABLE", null, sweep, at(1), {
      readyVersion: "2.9.0",
    });
    expect(worker).toMatchObject({ serviceStatus: "AVAILABLE", cmlVersion: "2.9.0" });
    expect(events).toEqual([
      {
        type: "worker.service_status_changed",
        workerId: "wkr_01",
        at: at(1),
        message: "lab-a: CML 2.9.0 is ready",
        reason: null,
        actor: sweep,
        data: { from: "STARTING", to: "AVAILABLE" },
      },
    ]);
  });

  it("takes a new ready version as news even when CML was available already", () => {
    const available = aRunningWorker({ cmlVersion: "2.8.1" });
    const upgraded = applyServiceStatus(available, "AVAILABLE", null, sweep, at(1), {
      readyVersion: "2.9.0",
    });
    expect(upgraded.worker.cmlVersion).toBe("2.9.0");
    expect(upgraded.events).toEqual([
      expect.objectContaining({
        message: "lab-a: CML 2.9.0 is ready",
        data: { from: "AVAILABLE", to: "AVAILABLE" },
      }),
    ]);
    expect(applyServiceStatus(available, "AVAILABLE", null, sweep, at(1), { readyVersion: "2.8.1" })).toEqual(
      {
        worker: available,
        events: [],
      },
    );
  });
});

describe("applyLicense", () => {
  const registered = { status: "REGISTERED" as const, nodeLimit: 20, nodesInUse: 0, checkedAt: at(1) };

  it("records a change of license status", () => {
    const { worker, events } = applyLicense(aRunningWorker(), registered, systemActor("licensing"), at(1));
    expect(worker.license).toEqual(registered);
    expect(events).toEqual([
      expect.objectContaining({
        type: "worker.license_changed",
        data: expect.objectContaining({ from: "UNKNOWN", to: "REGISTERED" }),
      }),
    ]);
  });

  it("writes the event the license services always wrote: from and to as data, the reason given", () => {
    const { events } = applyLicense(
      aRunningWorker({ license: registered }),
      { status: "UNREGISTERED", nodeLimit: null, nodesInUse: null, checkedAt: at(2) },
      systemActor("licensing"),
      at(2),
      "deregistered before termination",
    );
    expect(events).toEqual([
      {
        type: "worker.license_changed",
        workerId: "wkr_01",
        at: at(2),
        message: "lab-a: license REGISTERED -> UNREGISTERED",
        reason: "deregistered before termination",
        actor: systemActor("licensing"),
        data: { from: "REGISTERED", to: "UNREGISTERED" },
      },
    ]);
  });

  it("keeps fresher figures of the same status without an event", () => {
    const worker = aRunningWorker({ license: registered });
    const { worker: next, events } = applyLicense(
      worker,
      { ...registered, nodesInUse: 5, checkedAt: at(2) },
      sweep,
      at(2),
    );
    expect(next.license.nodesInUse).toBe(5);
    expect(events).toEqual([]);
  });

  it("is a no-op for the same reading", () => {
    const worker = aRunningWorker({ license: UNKNOWN_LICENSE });
    expect(applyLicense(worker, { ...UNKNOWN_LICENSE }, sweep, at(1))).toEqual({ worker, events: [] });
  });
});
