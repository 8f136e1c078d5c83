import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aRunningWorker, at, telemetry } from "../../test/support/worker-factory";
import { loadSettings } from "../settings/load-settings";
import { decideIdle, type IdleInput, type IdlePolicySettings } from "./idle-policy";
import type { TelemetrySnapshot, Worker } from "./worker";
import { SERVICE_STATUSES, WORKER_STATUSES } from "./worker-status";

const policy: IdlePolicySettings = {
  autoShutdownEnabled: true,
  thresholdMs: 30 * 60_000,
  warningAfterMs: 20 * 60_000,
  snoozeAfterStartMs: 60 * 60_000,
  minUptimeMs: 15 * 60_000,
  staleTelemetryMs: 5 * 60_000,
  cpuVetoPercent: 20,
};

/** Started at T0; the snooze ends at T0+60, so by default the quiet stretch starts there. */
function input(now: number, worker: Partial<Worker> = {}, extra: Partial<IdleInput> = {}): IdleInput {
  return {
    worker: aRunningWorker({ telemetry: telemetry({ sampledAt: at(now - 1) }), ...worker }),
    activity: [],
    recentTelemetry: [],
    policy,
    now: at(now),
    ...extra,
  };
}

describe("decideIdle: vetoes", () => {
  const fresh = (overrides: Partial<TelemetrySnapshot>) => telemetry({ sampledAt: at(99), ...overrides });
  const idle = { ...aRunningWorker().idle };
  it.each<[string, IdleInput, string]>([
    [
      "auto-stop is off for the fleet",
      { ...input(100), policy: { ...policy, autoShutdownEnabled: false } },
      "DISABLED",
    ],
    [
      "auto-stop is off for the worker",
      input(100, { idlePolicy: { enabled: false, thresholdMinutes: null } }),
      "DISABLED",
    ],
    ["the worker is stopped", input(100, { status: "STOPPED" }), "NOT_RUNNING"],
    ["the worker is pending", input(100, { status: "PENDING" }), "NOT_RUNNING"],
    ["the CML service is starting", input(100, { serviceStatus: "STARTING" }), "SERVICE_NOT_AVAILABLE"],
    [
      "a keep-alive runs into the future",
      input(100, { idle: { ...idle, keepAliveUntil: at(101) } }),
      "KEEP_ALIVE",
    ],
    ["the worker started within the snooze window", input(59), "SNOOZED_AFTER_START"],
    ["the boot time is unknown", input(100, { idle: { ...idle, lastStartedAt: null } }), "UPTIME_UNKNOWN"],
    [
      "the instance booted less than the minimum uptime ago",
      input(100, {}, { bootedAt: at(90) }),
      "MIN_UPTIME_NOT_REACHED",
    ],
    ["there is no telemetry", input(100, { telemetry: null }), "NO_TELEMETRY"],
    [
      "the telemetry is stale",
      input(100, { telemetry: telemetry({ sampledAt: at(94) }) }),
      "TELEMETRY_STALE",
    ],
    [
      "the CML API did not answer",
      input(100, { telemetry: fresh({ cmlReachable: false }) }),
      "CML_UNREACHABLE",
    ],
    ["running nodes are unknown", input(100, { telemetry: fresh({ runningNodes: null }) }), "NODES_UNKNOWN"],
    ["nodes are running", input(100, { telemetry: fresh({ runningNodes: 3 }) }), "NODES_RUNNING"],
    ["started labs are unknown", input(100, { telemetry: fresh({ startedLabs: null }) }), "LABS_UNKNOWN"],
    ["a lab is started", input(100, { telemetry: fresh({ startedLabs: 1 }) }), "LABS_STARTED"],
    ["the CPU is busy", input(100, { telemetry: fresh({ cpuPercent: 20 }) }), "CPU_BUSY"],
  ])("is not idle when %s", (_name, given, reasonCode) => {
    const decision = decideIdle(given);
    expect(decision).toMatchObject({ idle: false, reasonCode, idleSince: null, warnAt: null, stopAt: null });
    expect(decision.reason).not.toBe("");
  });
});

describe("decideIdle: the quiet stretch", () => {
  it("counts from the end of the snooze window, so a warning always comes first", () => {
    expect(decideIdle(input(61))).toMatchObject({ idle: false, reasonCode: "QUIET", idleSince: at(60) });
    expect(decideIdle(input(80))).toMatchObject({
      idle: false,
      reasonCode: "IDLE_WARNING",
      warnAt: at(80),
      stopAt: at(90),
    });
    expect(decideIdle(input(90))).toMatchObject({
      idle: true,
      reasonCode: "IDLE",
      idleSince: at(60),
      stopAt: at(90),
    });
  });

  it("restarts at the latest user activity", () => {
    const decision = decideIdle(input(100, {}, { activity: [{ at: at(95) }, { at: at(72) }] }));
    expect(decision).toMatchObject({
      reasonCode: "QUIET",
      idleSince: at(95),
      warnAt: at(115),
      stopAt: at(125),
    });
  });

  it("restarts at the activity already recorded on the worker", () => {
    const worker = aRunningWorker();
    const decision = decideIdle(input(100, { idle: { ...worker.idle, lastActivityAt: at(85) } }));
    expect(decision.idleSince).toEqual(at(85));
  });

  it("restarts at the last sample that showed running nodes or started labs", () => {
    const recentTelemetry = [
      telemetry({ sampledAt: at(70), runningNodes: 2 }),
      telemetry({ sampledAt: at(88), startedLabs: 1, runningNodes: 0 }),
      telemetry({ sampledAt: at(95) }),
    ];
    expect(decideIdle(input(100, {}, { recentTelemetry })).idleSince).toEqual(at(88));
  });

  it("restarts when a keep-alive ends", () => {
    const worker = aRunningWorker();
    const decision = decideIdle(input(130, { idle: { ...worker.idle, keepAliveUntil: at(120) } }));
    expect(decision).toMatchObject({ reasonCode: "QUIET", idleSince: at(120) });
  });

  it("tolerates an unknown CPU when CML's figures are known", () => {
    const decision = decideIdle(input(95, { telemetry: telemetry({ sampledAt: at(94), cpuPercent: null }) }));
    expect(decision).toMatchObject({ idle: true, reasonCode: "IDLE" });
  });

  it("applies a per-worker threshold and keeps the fleet's warning lead", () => {
    const decision = decideIdle(input(100, { idlePolicy: { enabled: null, thresholdMinutes: 120 } }));
    expect(decision).toMatchObject({
      reasonCode: "QUIET",
      idleSince: at(60),
      warnAt: at(170),
      stopAt: at(180),
    });
  });

  it("never warns before the quiet stretch began when a worker's threshold is shorter than the lead", () => {
    const decision = decideIdle(input(62, { idlePolicy: { enabled: null, thresholdMinutes: 5 } }));
    expect(decision).toMatchObject({ reasonCode: "IDLE_WARNING", warnAt: at(60), stopAt: at(65) });
  });

  it("takes the fleet's idle settings as its policy", () => {
    const fleetPolicy = loadSettings({}).idle;
    expect(decideIdle({ ...input(95), policy: fleetPolicy })).toMatchObject({ idle: true, stopAt: at(90) });
  });

  it("lets a worker opt in when the fleet default is off", () => {
    const decision = decideIdle({
      ...input(95, { idlePolicy: { enabled: true, thresholdMinutes: null } }),
      policy: { ...policy, autoShutdownEnabled: false },
    });
    expect(decision.idle).toBe(true);
  });
});

describe("decideIdle: fails closed", () => {
  const date = fc.date({
    min: new Date("2026-01-01T00:00:00Z"),
    max: new Date("2026-01-02T00:00:00Z"),
    noInvalidDate: true,
  });
  const count = fc.option(fc.nat({ max: 50 }), { nil: null });
  const telemetryArb = fc.record({
    sampledAt: date,
    cpuPercent: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
    memoryPercent: fc.constant(null),
    networkInBytes: fc.constant(null),
    networkOutBytes: fc.constant(null),
    runningNodes: count,
    startedLabs: count,
    cmlReachable: fc.boolean(),
    instanceStatusCheck: fc.constant("ok"),
    systemStatusCheck: fc.constant("ok"),
  });
  const inputArb = fc.record({
    status: fc.constantFrom(...WORKER_STATUSES),
    serviceStatus: fc.constantFrom(...SERVICE_STATUSES),
    telemetry: fc.option(telemetryArb, { nil: null }),
    lastStartedAt: fc.option(date, { nil: null }),
    lastActivityAt: fc.option(date, { nil: null }),
    keepAliveUntil: fc.option(date, { nil: null }),
    bootedAt: fc.option(date, { nil: null }),
    enabled: fc.option(fc.boolean(), { nil: null }),
    thresholdMinutes: fc.option(fc.integer({ min: 1, max: 600 }), { nil: null }),
    now: date,
    staleMinutes: fc.integer({ min: 1, max: 120 }),
    activity: fc.array(date, { maxLength: 3 }),
  });

  it("never judges idle, nor starts the idle clock, with nodes running, labs started, or CML unknown, stale or unreachable", () => {
    fc.assert(
      fc.property(inputArb, (arb) => {
        const worker = aRunningWorker({
          status: arb.status,
          serviceStatus: arb.serviceStatus,
          telemetry: arb.telemetry,
          idle: {
            ...aRunningWorker().idle,
            lastStartedAt: arb.lastStartedAt,
            lastActivityAt: arb.lastActivityAt,
            keepAliveUntil: arb.keepAliveUntil,
          },
          idlePolicy: { enabled: arb.enabled, thresholdMinutes: arb.thresholdMinutes },
        });
        const decision = decideIdle({
          worker,
          activity: arb.activity.map((when) => ({ at: when })),
          recentTelemetry: [],
          bootedAt: arb.bootedAt,
          policy: { ...policy, staleTelemetryMs: arb.staleMinutes * 60_000 },
          now: arb.now,
        });
        const t = arb.telemetry;
        const mustNotBeIdle =
          t === null ||
          arb.now.getTime() - t.sampledAt.getTime() > arb.staleMinutes * 60_000 ||
          !t.cmlReachable ||
          t.runningNodes === null ||
          t.runningNodes > 0 ||
          t.startedLabs === null ||
          t.startedLabs > 0;
        if (mustNotBeIdle) {
          expect(decision.idle).toBe(false);
          expect(decision.idleSince).toBeNull();
        }
        if (decision.idle) {
          expect(decision.stopAt?.getTime()).toBeLessThanOrEqual(arb.now.getTime());
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("judges an unattended, healthy worker idle once the threshold has passed (the property is not vacuous)", () => {
    expect(decideIdle(input(200)).idle).toBe(true);
  });
});
