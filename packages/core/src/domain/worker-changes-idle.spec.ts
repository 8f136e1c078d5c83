import { describe, expect, it } from "vitest";
import { aRunningWorker, at } from "../../test/support/worker-factory";
import { ValidationError } from "../errors";
import { systemActor, userActor } from "./actor";
import type { IdleDecision } from "./idle-policy";
import {
  cancelIdleWarning,
  keepAlive,
  markIdleWarning,
  recordActivity,
  setIdlePolicy,
} from "./worker-changes-idle";

const ada = userActor("u1", "ada");
const policy = systemActor("idle-auto-stop");

const warning: IdleDecision = {
  idle: false,
  reasonCode: "IDLE_WARNING",
  reason: "quiet for 20 min",
  idleSince: at(60),
  warnAt: at(80),
  stopAt: at(90),
};
const vetoed: IdleDecision = {
  idle: false,
  reasonCode: "NODES_RUNNING",
  reason: "2 node(s) running",
  idleSince: null,
  warnAt: null,
  stopAt: null,
};

describe("idle warnings", () => {
  it("warns once per quiet stretch", () => {
    const { worker, events } = markIdleWarning(aRunningWorker(), warning, policy, at(80));
    expect(worker.idle).toMatchObject({ idleSince: at(60), warnedAt: at(80), autoStopAt: at(90) });
    expect(events).toEqual([
      expect.objectContaining({ type: "worker.idle_warning", reason: "quiet for 20 min", actor: policy }),
    ]);
    expect(markIdleWarning(worker, warning, policy, at(81)).events).toEqual([]);
  });

  it("warns again for a new quiet stretch", () => {
    const warned = markIdleWarning(aRunningWorker(), warning, policy, at(80)).worker;
    const later = { ...warning, idleSince: at(100), stopAt: at(130) };
    expect(markIdleWarning(warned, later, policy, at(120)).events).toHaveLength(1);
  });

  it("announces the stop at least the lead time ahead, with the caller's figures", () => {
    const late = markIdleWarning(aRunningWorker(), warning, policy, at(88), {
      leadMs: 5 * 60_000,
      data: { thresholdMinutes: 30 },
    });
    expect(late.worker.idle.autoStopAt).toEqual(at(93));
    expect(late.events).toEqual([
      expect.objectContaining({
        message: `lab-a is idle and will be stopped at ${at(93).toISOString()} unless it is used`,
        data: { thresholdMinutes: 30, autoStopAt: at(93).toISOString() },
      }),
    ]);
  });

  it("writes the warning the idle service always wrote: a sentence, the verdict as reason, the figures as data", () => {
    const { events } = markIdleWarning(aRunningWorker(), warning, policy, at(80), {
      data: { reasonCode: "IDLE_WARNING", thresholdMinutes: 30 },
    });
    expect(events).toEqual([
      {
        type: "worker.idle_warning",
        workerId: "wkr_01",
        at: at(80),
        message: `lab-a is idle and will be stopped at ${at(90).toISOString()} unless it is used`,
        reason: "quiet for 20 min",
        actor: policy,
        data: { reasonCode: "IDLE_WARNING", thresholdMinutes: 30, autoStopAt: at(90).toISOString() },
      },
    ]);
  });

  it("refuses to warn on a veto", () => {
    expect(() => markIdleWarning(aRunningWorker(), vetoed, policy, at(80))).toThrow(ValidationError);
  });

  it("withdraws a warning, and only when there is one", () => {
    const warned = markIdleWarning(aRunningWorker(), warning, policy, at(80)).worker;
    const { worker, events } = cancelIdleWarning(warned, "2 node(s) running", policy, at(85));
    expect(worker.idle).toMatchObject({ idleSince: null, warnedAt: null, autoStopAt: null });
    expect(events).toEqual([
      expect.objectContaining({ type: "worker.idle_warning_cancelled", reason: "2 node(s) running" }),
    ]);
    expect(cancelIdleWarning(worker, "again", policy, at(86)).events).toEqual([]);
  });

  it("writes the withdrawal the idle service always wrote: why in reason, nothing in data", () => {
    const warned = markIdleWarning(aRunningWorker(), warning, policy, at(80)).worker;
    expect(cancelIdleWarning(warned, "2 node(s) running", policy, at(85)).events).toEqual([
      {
        type: "worker.idle_warning_cancelled",
        workerId: "wkr_01",
        at: at(85),
        message: "lab-a: idle warning cancelled",
        reason: "2 node(s) running",
        actor: policy,
        data: {},
      },
    ]);
  });
});

describe("keepAlive", () => {
  it("keeps the worker alive and withdraws a pending warning", () => {
    const warned = markIdleWarning(aRunningWorker(), warning, policy, at(80)).worker;
    const { worker, events } = keepAlive(warned, at(240), ada, "exam", at(85));
    expect(worker.idle).toMatchObject({ keepAliveUntil: at(240), warnedAt: null, autoStopAt: null });
    expect(events).toEqual([
      expect.objectContaining({
        type: "worker.keep_alive",
        reason: "exam",
        data: { until: at(240), cancelledWarning: true },
      }),
    ]);
  });

  it("clears the keep-alive with an instant in the past", () => {
    const kept = keepAlive(aRunningWorker(), at(240), ada, null, at(85)).worker;
    expect(keepAlive(kept, at(10), ada, null, at(86)).worker.idle.keepAliveUntil).toBeNull();
  });

  it("is a no-op when nothing changes", () => {
    const worker = aRunningWorker();
    expect(keepAlive(worker, at(1), ada, null, at(85))).toEqual({ worker, events: [] });
  });
});

describe("setIdlePolicy", () => {
  it("sets the overrides and records them", () => {
    const { worker, events } = setIdlePolicy(
      aRunningWorker(),
      { enabled: false, thresholdMinutes: null },
      ada,
      "demo day",
      at(1),
    );
    expect(worker.idlePolicy).toEqual({ enabled: false, thresholdMinutes: null });
    expect(events[0]?.message).toContain("auto-stop: off");
  });

  it.each([0, -5, 1.5, 20_000])("refuses a threshold of %d minutes", (minutes) => {
    expect(() =>
      setIdlePolicy(aRunningWorker(), { enabled: null, thresholdMinutes: minutes }, ada, null, at(1)),
    ).toThrow(ValidationError);
  });

  it("is a no-op for the same policy", () => {
    const worker = aRunningWorker();
    expect(setIdlePolicy(worker, { enabled: null, thresholdMinutes: null }, ada, null, at(1))).toEqual({
      worker,
      events: [],
    });
  });
});

describe("recordActivity", () => {
  it("keeps only the latest activity", () => {
    const seen = recordActivity(aRunningWorker(), at(70), at(71)).worker;
    expect(seen.idle.lastActivityAt).toEqual(at(70));
    expect(recordActivity(seen, at(65), at(72)).worker).toBe(seen);
  });
});
