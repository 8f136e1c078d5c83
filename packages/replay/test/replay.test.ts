import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { describe, expect, it } from "vitest";
import { forgottenWorkers, scheduledClasses } from "../src/example-traces";
import { replayTrace } from "../src/replay";
import { replaySettingsFrom } from "../src/replay-settings";
import { parseTrace } from "../src/trace";

/** The settings a job process would run with under this environment (defaults otherwise). */
const settingsWith = (env: Record<string, string> = {}) => replaySettingsFrom(loadSettings(env));

const DAY = "2026-11-02";
const t = (time: string) => `${DAY}T${time}:00Z`;

/** One worker, started by hand at 08:00, on a one-day trace; 8 minutes to boot, $2 an hour. */
function oneWorker(activity: { from: string; to: string; runningNodes?: number }[], extra: object = {}) {
  return parseTrace({
    start: t("00:00"),
    end: "2026-11-03T00:00:00Z",
    bootMinutes: 8,
    workers: [{ name: "lab-1", hourlyRate: 2, starts: [t("08:00")], stops: [], activity, ...extra }],
  });
}

describe("the cost replay", () => {
  it("bills up to the idle stop the default policy makes, and reports baseline, billed and oracle exactly", async () => {
    // Used 09:00-11:00; quiet from 11:00 (the person's last action), warned at 11:20, stopped at 11:30.
    const report = await replayTrace(
      oneWorker([{ from: t("09:00"), to: t("11:00"), runningNodes: 2 }]),
      settingsWith(),
    );

    expect(report).toMatchObject({
      baselineHours: 16, // 08:00 to the end of the day: nobody stops it
      billedHours: 3.5, // 08:00 to 11:30
      oracleHours: 2,
      savedFraction: 0.8929, // (16 - 3.5) / (16 - 2)
      stopsDuringActivity: 0,
      coldStarts: 0,
      scheduledLateStarts: 0,
      baselineUsd: 32,
      billedUsd: 7,
      oracleUsd: 4,
    });
    expect(report.workers[0]).toMatchObject({
      name: "lab-1",
      automatedStops: 1,
      idleWarnings: 1,
      failedJobs: 0,
    });
  });

  it("counts a cold start when an activity begins while the fleet has stopped the worker, and bills its boot", async () => {
    const report = await replayTrace(
      oneWorker([
        { from: t("09:00"), to: t("11:00") },
        // Stopped at 11:30; the person starts it at 14:00 and waits 8 minutes. EC2 has it running at 14:02, which
        // is when the fleet counts it started: snoozed until 15:02, so quiet from 15:02 and stopped at 15:32.
        { from: t("14:00"), to: t("15:00") },
      ]),
      settingsWith(),
    );
    expect(report).toMatchObject({
      baselineHours: 16,
      billedHours: 5.0333, // 08:00-11:30 and 14:00-15:32
      oracleHours: 3,
      coldStarts: 1,
      stopsDuringActivity: 0,
    });
  });

  it("honours a manual stop: the baseline ends there, and the fleet has nothing left to stop", async () => {
    const report = await replayTrace(
      oneWorker([{ from: t("09:00"), to: t("10:00") }], { stops: [t("10:15")] }),
      settingsWith(),
    );
    expect(report).toMatchObject({
      baselineHours: 2.25,
      billedHours: 2.25,
      oracleHours: 1,
      savedFraction: 0,
    });
    expect(report.workers[0]?.automatedStops).toBe(0);
  });

  it("counts no cold start when the person starts the worker as the activity begins, and runs one operation at a time", async () => {
    const sameInstant = await replayTrace(oneWorker([{ from: t("08:00"), to: t("09:00") }]), settingsWith());
    expect(sameInstant).toMatchObject({ coldStarts: 0, billedHours: 1.5333 }); // 08:00 to 09:32 (snoozed to 09:02)

    // A stop asked while the worker boots waits for the start to finish (the per-worker lock), then stops it.
    const stopWhileBooting = await replayTrace(oneWorker([], { stops: [t("08:01")] }), settingsWith());
    expect(stopWhileBooting.workers[0]).toMatchObject({ failedJobs: 0, automatedStops: 0 });
    expect(stopWhileBooting.billedHours).toBeGreaterThanOrEqual(0.1333); // at least the 8-minute boot
    expect(stopWhileBooting.billedHours).toBeLessThan(0.2);
  });

  it("follows the settings in effect: a shorter idle threshold, a longer telemetry interval", async () => {
    const trace = oneWorker([{ from: t("09:00"), to: t("11:00") }]);
    const shorter = await replayTrace(
      trace,
      settingsWith({ CML_WORKER_IDLE_THRESHOLD: "10m", CML_WORKER_MAX_IDLE_BEFORE_WARNING: "5m" }),
    );
    expect(shorter.billedHours).toBe(3.1667); // 08:00 to 11:10

    // Checks every 7 minutes from midnight: warned at 11:26 (stop announced 10 minutes later, 11:36), stopped at
    // the first check after that, 11:40.
    const sparse = await replayTrace(
      trace,
      settingsWith({
        CML_WORKER_TELEMETRY_COLLECTION_INTERVAL: "7m",
        CML_WORKER_IDLE_STALE_TELEMETRY_AGE: "10m",
      }),
    );
    expect(sparse.billedHours).toBe(3.6667);
  });

  it("runs a worker the trace has running from the start (empty starts) through its snooze before stopping it", async () => {
    const report = await replayTrace(
      parseTrace({
        start: t("00:00"),
        end: "2026-11-03T00:00:00Z",
        bootMinutes: 8,
        workers: [{ name: "forgotten", hourlyRate: 1, starts: [], stops: [], activity: [] }],
      }),
      settingsWith(),
    );
    // Snoozed for an hour after the trace's start, then quiet for the 30-minute threshold.
    expect(report).toMatchObject({
      baselineHours: 24,
      billedHours: 1.5,
      oracleHours: 0,
      savedFraction: 0.9375,
    });
  });

  it("prices a worker without an hourlyRate at the settings' price of the default instance type", async () => {
    const trace = parseTrace({
      start: t("00:00"),
      end: t("02:00"),
      bootMinutes: 8,
      workers: [{ name: "lab-1", starts: [], stops: [t("01:00")] }],
    });
    const report = await replayTrace(
      trace,
      settingsWith({ CML_WORKER_HOURLY_PRICES: '{"c5.2xlarge": 1.25}' }),
    );
    expect(report.workers[0]?.hourlyRate).toBe(1.25);
    expect(report.baselineUsd).toBe(1.25);
  });

  it("is deterministic, and skipping the checks that cannot change anything gives the very same report", async () => {
    const trace = parseTrace({
      ...forgottenWorkers({ workers: 3, days: 7, seed: 7 }),
      workers: [
        ...forgottenWorkers({ workers: 3, days: 7, seed: 7 }).workers,
        ...scheduledClasses({ workers: 3, days: 7, seed: 9, closedDates: ["2026-11-04"] }).workers,
      ],
    });
    const envs: Record<string, string>[] = [
      {},
      { CML_WORKER_IDLE_THRESHOLD: "10m", CML_WORKER_MAX_IDLE_BEFORE_WARNING: "5m" },
    ];
    for (const env of envs) {
      const settings = settingsWith(env);
      const first = JSON.stringify(await replayTrace(trace, settings));
      const again = JSON.stringify(await replayTrace(trace, settings));
      const everyInterval = JSON.stringify(await replayTrace(trace, settings, { exact: true }));
      expect(again).toBe(first);
      expect(everyInterval).toBe(first);
    }
  });

  it("never stops a worker in use, and saves most of what forgotten workers waste", async () => {
    const report = await replayTrace(parseTrace(forgottenWorkers({ workers: 10, days: 14 })), settingsWith());
    expect(report.stopsDuringActivity).toBe(0);
    expect(report.savedFraction).toBeGreaterThanOrEqual(0.9);
    expect(report.billedHours).toBeGreaterThan(report.oracleHours);
    expect(report.coldStarts).toBeGreaterThan(0);
  });

  describe("with a schedule", () => {
    /** Stopped when the trace begins (its one start is at the very end); a window MON 09:00-12:00 UTC, ready at the start. */
    const scheduled = (bootMinutes: number) =>
      parseTrace({
        start: t("00:00"),
        end: "2026-11-03T00:00:00Z",
        bootMinutes,
        workers: [
          {
            name: "classroom",
            hourlyRate: 2,
            schedule: {
              timeZone: "UTC",
              readyAtStart: true,
              windows: [{ days: ["MON"], start: "09:00", end: "12:00" }],
            },
            starts: ["2026-11-03T00:00:00Z"],
            activity: [{ from: t("09:10"), to: t("11:00"), runningNodes: 5 }],
          },
        ],
      });

    it("starts the worker the default lead before its window, holds it through the window, stops it after", async () => {
      // Started 16 min early (CML_SCHEDULE_DEFAULT_LEAD 15m + one evaluation interval) at 08:44, AVAILABLE before
      // 09:00; the window holds it to 12:00 though quiet since 11:00; warned at the closing, stopped a warning lead
      // (threshold 30m - warning 20m) later, 12:10.
      const report = await replayTrace(scheduled(8), settingsWith());
      expect(report).toMatchObject({
        billedHours: 3.4333, // 08:44 to 12:10
        oracleHours: 1.8333,
        scheduledLateStarts: 0,
        coldStarts: 0,
        stopsDuringActivity: 0,
      });
      expect(report.workers[0]).toMatchObject({ automatedStops: 1, idleWarnings: 1 });
    });

    it("counts a scheduled late start when the boot takes longer than the lead", async () => {
      const report = await replayTrace(scheduled(20), settingsWith());
      expect(report.scheduledLateStarts).toBe(1);
      expect(report.billedHours).toBe(3.4333);
      // A longer default lead has it ready in time.
      const early = await replayTrace(scheduled(20), settingsWith({ CML_SCHEDULE_DEFAULT_LEAD: "30m" }));
      expect(early.scheduledLateStarts).toBe(0);
      expect(early.billedHours).toBe(3.6833); // from 08:29
    });
  });
});
