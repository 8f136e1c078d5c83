import { describe, expect, it } from "vitest";
import { aRunningWorker, at, telemetry } from "../../test/support/worker-factory";
import { decideIdle, type IdleInput, type IdlePolicySettings, type ScheduleHold } from "./idle-policy";
import type { Worker } from "./worker";

/** No snooze or minimum uptime; warned 10 minutes before the 30-minute threshold. */
const policy: IdlePolicySettings = {
  autoShutdownEnabled: true,
  thresholdMs: 30 * 60_000,
  warningAfterMs: 20 * 60_000,
  snoozeAfterStartMs: 0,
  minUptimeMs: 0,
  staleTelemetryMs: 5 * 60_000,
  cpuVetoPercent: 20,
};

function input(now: number, schedule: ScheduleHold | null, worker: Partial<Worker> = {}): IdleInput {
  return {
    worker: aRunningWorker({ telemetry: telemetry({ sampledAt: at(now - 1), runningNodes: 0 }), ...worker }),
    activity: [],
    recentTelemetry: [],
    policy,
    now: at(now),
    schedule,
  };
}

const label = "schedule ccna, window MON 08:00-17:00 (UTC)";

describe("decideIdle with a schedule", () => {
  it("holds the worker while its window is open, like a keep-alive (SCHEDULE_WINDOW)", () => {
    const decision = decideIdle(input(300, { openUntil: at(400), closedAt: null, label }));
    expect(decision).toMatchObject({ idle: false, reasonCode: "SCHEDULE_WINDOW" });
    expect(decision.reason).toContain(label);
    // Without the schedule the same worker, quiet for 300 minutes, is idle.
    expect(decideIdle(input(300, null)).reasonCode).toBe("IDLE");
  });

  it("once the window closed: warned at the closing, stopped a warning lead later (the schedule's stop)", () => {
    const closed = { openUntil: null, closedAt: at(400), label };
    const warned = decideIdle(input(401, closed));
    expect(warned).toMatchObject({
      reasonCode: "IDLE_WARNING",
      warnAt: at(400),
      stopAt: at(410),
      scheduledStop: true,
    });
    expect(warned.reason).toContain(label);
    expect(decideIdle(input(410, closed))).toMatchObject({
      idle: true,
      reasonCode: "IDLE",
      scheduledStop: true,
    });
  });

  it("leaves a worker used after the closing to the ordinary idle policy", () => {
    const closed = { openUntil: null, closedAt: at(400), label };
    const used = input(405, closed, {
      idle: { ...aRunningWorker().idle, lastActivityAt: at(402) },
    });
    const decision = decideIdle(used);
    expect(decision.scheduledStop).toBeUndefined();
    expect(decision).toMatchObject({ reasonCode: "QUIET", stopAt: at(432) });
  });

  it("never stops a busy worker at the closing", () => {
    const busy = input(
      405,
      { openUntil: null, closedAt: at(400), label },
      {
        telemetry: telemetry({ sampledAt: at(404), runningNodes: 2 }),
      },
    );
    expect(decideIdle(busy).reasonCode).toBe("NODES_RUNNING");
  });

  it("stops at the closing even with auto-stop off, but nothing else then", () => {
    const off = { ...policy, autoShutdownEnabled: false };
    const closed = { ...input(411, { openUntil: null, closedAt: at(400), label }), policy: off };
    expect(decideIdle(closed)).toMatchObject({ idle: true, scheduledStop: true });
    expect(decideIdle({ ...input(411, null), policy: off }).reasonCode).toBe("DISABLED");
  });
});
