import { describe, expect, it } from "vitest";
import { at } from "../../test/support/worker-factory";
import {
  accruedCostUsd,
  accruedWorkerCostUsd,
  autoStopSavedMilliseconds,
  autoStopSavingsUsd,
  billedMilliseconds,
  HOURS_PER_MONTH,
  hourlyCostIn,
  hourlyRate,
  type StatusPoint,
  storageBilledMilliseconds,
  storageHourlyUsd,
} from "./cost";
import type { WorkerStatus } from "./worker-status";

const HOUR = 60;

/** A history from (minute, status) pairs. */
function history(...points: [number, WorkerStatus][]): StatusPoint[] {
  return points.map(([minute, status]) => ({ status, at: at(minute) }));
}

describe("hourlyRate", () => {
  const prices = {
    hourlyUsd: { "c5.2xlarge": 0.34, "t3.xlarge": 0.1664 },
    regionalHourlyUsd: { "eu-west-1": { "c5.2xlarge": 0.384 } },
  };

  it("prefers the region's override", () => {
    expect(hourlyRate(prices, "c5.2xlarge", "eu-west-1")).toBe(0.384);
  });

  it("falls back to the type's price elsewhere", () => {
    expect(hourlyRate(prices, "c5.2xlarge", "us-east-1")).toBe(0.34);
    expect(hourlyRate(prices, "t3.xlarge", "eu-west-1")).toBe(0.1664);
  });

  it("is null for a type without a price", () => {
    expect(hourlyRate(prices, "m5zn.metal", "us-east-1")).toBeNull();
  });
});

describe("accrued cost", () => {
  it("bills pending, running and stopping, not stopped or terminated", () => {
    const h = history([0, "PENDING"], [2, "RUNNING"], [2 * HOUR, "STOPPING"], [2 * HOUR + 1, "STOPPED"]);
    expect(billedMilliseconds(h, at(10 * HOUR))).toBe((2 * HOUR + 1) * 60_000);
    expect(accruedCostUsd(h, 0.6, at(10 * HOUR))).toBeCloseTo(0.6 * (2 + 1 / 60), 10);
  });

  it("keeps billing a worker that is still running, up to now", () => {
    expect(accruedCostUsd(history([0, "RUNNING"]), 0.34, at(90))).toBeCloseTo(0.51, 10);
  });

  it("adds up several start/stop cycles, whatever the order of the history", () => {
    const h = history(
      [3 * HOUR, "RUNNING"],
      [0, "RUNNING"],
      [HOUR, "STOPPED"],
      [4 * HOUR, "STOPPED"],
      [5 * HOUR, "RUNNING"],
      [6 * HOUR, "SHUTTING_DOWN"],
      [6 * HOUR + 2, "TERMINATED"],
    );
    expect(billedMilliseconds(h, at(24 * HOUR))).toBe(3 * HOUR * 60_000);
  });

  it("counts only the part inside a window", () => {
    const h = history([0, "RUNNING"], [4 * HOUR, "STOPPED"]);
    expect(billedMilliseconds(h, at(10 * HOUR), { from: at(3 * HOUR), to: at(8 * HOUR) })).toBe(
      HOUR * 60_000,
    );
  });

  it("does not bill FAILED or UNKNOWN, which the fleet cannot tell apart", () => {
    expect(billedMilliseconds(history([0, "FAILED"], [HOUR, "UNKNOWN"]), at(2 * HOUR))).toBe(0);
  });

  it("is zero without history", () => {
    expect(accruedCostUsd([], 1, at(HOUR))).toBe(0);
  });
});

describe("savings from auto-stops", () => {
  it("counts the stopped time after an auto-stop until the next start", () => {
    const h = history(
      [0, "RUNNING"],
      [HOUR, "STOPPING"],
      [HOUR + 1, "STOPPED"],
      [5 * HOUR + 1, "PENDING"],
      [5 * HOUR + 3, "RUNNING"],
    );
    expect(autoStopSavedMilliseconds(h, [at(HOUR)], at(10 * HOUR))).toBe(4 * HOUR * 60_000);
    expect(autoStopSavingsUsd(h, [at(HOUR)], 0.68, at(10 * HOUR))).toBeCloseTo(4 * 0.68, 10);
  });

  it("counts until now while the worker stays stopped", () => {
    const h = history([0, "RUNNING"], [HOUR, "STOPPED"]);
    expect(autoStopSavedMilliseconds(h, [at(HOUR)], at(3 * HOUR))).toBe(2 * HOUR * 60_000);
  });

  it("stops counting when the worker is terminated", () => {
    const h = history(
      [0, "RUNNING"],
      [HOUR, "STOPPED"],
      [2 * HOUR, "SHUTTING_DOWN"],
      [2 * HOUR + 1, "TERMINATED"],
    );
    expect(autoStopSavedMilliseconds(h, [at(HOUR)], at(9 * HOUR))).toBe(HOUR * 60_000);
  });

  it("adds up several auto-stops and ignores manual stops", () => {
    const h = history(
      [0, "RUNNING"],
      [HOUR, "STOPPED"], // auto
      [2 * HOUR, "RUNNING"],
      [3 * HOUR, "STOPPED"], // manual
      [4 * HOUR, "RUNNING"],
      [5 * HOUR, "STOPPED"], // auto
      [7 * HOUR, "RUNNING"],
    );
    expect(autoStopSavedMilliseconds(h, [at(HOUR), at(5 * HOUR)], at(8 * HOUR))).toBe(3 * HOUR * 60_000);
  });

  it("counts a stop whose event was recorded just after the status change once", () => {
    const h = history([0, "RUNNING"], [HOUR, "STOPPED"]);
    expect(autoStopSavedMilliseconds(h, [at(HOUR + 1), at(HOUR + 2)], at(2 * HOUR))).toBe(HOUR * 60_000);
  });

  it("credits nothing when the auto-stop was followed by a start before the worker stopped", () => {
    const h = history(
      [0, "RUNNING"],
      [HOUR, "STOPPING"],
      [HOUR + 1, "FAILED"],
      [HOUR + 2, "RUNNING"],
      [3 * HOUR, "STOPPED"],
    );
    expect(autoStopSavedMilliseconds(h, [at(HOUR)], at(4 * HOUR))).toBe(0);
  });

  it("counts only the part inside a window", () => {
    const h = history([0, "RUNNING"], [HOUR, "STOPPED"]);
    expect(
      autoStopSavedMilliseconds(h, [at(HOUR)], at(10 * HOUR), { from: at(8 * HOUR), to: at(20 * HOUR) }),
    ).toBe(2 * HOUR * 60_000);
  });
});

describe("EBS storage, billed whether the worker runs or not", () => {
  // A 64 GiB gp3 root volume at $0.08 per GB-month: 64 * 0.08 = $5.12 a month, / 730 h = $0.00701369863 an hour.
  const storage = storageHourlyUsd(64, 0.08);
  const rates = { instanceHourlyUsd: 0.357, storageHourlyUsd: storage };

  it("prorates GB-months over AWS's 730-hour month: 64 GiB at $0.08 is $5.12 a month, $0.0070137 an hour", () => {
    expect(HOURS_PER_MONTH).toBe(730);
    expect(storage).toBeCloseTo(5.12 / 730, 12);
    expect(storage).toBeCloseTo(0.00701369863, 10);
  });

  it("costs a stopped worker its storage alone, a running one instance plus storage, a terminated one nothing", () => {
    expect(hourlyCostIn("STOPPED", rates)).toBeCloseTo(0.00701369863, 10);
    expect(hourlyCostIn("RUNNING", rates)).toBeCloseTo(0.357 + 0.00701369863, 10);
    expect(hourlyCostIn("TERMINATED", rates)).toBe(0);
    expect(hourlyCostIn("UNKNOWN", rates)).toBe(0);
  });

  it("bills storage from launch until terminated, the stopped stretch included", () => {
    // Running 2 h, stopped 10 h, then terminated: storage for 12 h, the instance for 2 h.
    const h = history(
      [0, "RUNNING"],
      [2 * HOUR, "STOPPED"],
      [12 * HOUR, "SHUTTING_DOWN"],
      [12 * HOUR, "TERMINATED"],
    );
    expect(storageBilledMilliseconds(h, at(20 * HOUR))).toBe(12 * HOUR * 60_000);
    expect(billedMilliseconds(h, at(20 * HOUR))).toBe(2 * HOUR * 60_000);
  });

  it("accrues 2 h of instance and 12 h of storage for a worker that ran 2 h and was stopped 10 h: $0.7981644", () => {
    // 2 * 0.357 = 0.714 for the instance; 12 * 0.00701369863 = 0.0841644 for the volume.
    const h = history([0, "RUNNING"], [2 * HOUR, "STOPPED"]);
    expect(accruedWorkerCostUsd(h, rates, at(12 * HOUR))).toBeCloseTo(0.714 + 0.0841643836, 9);
    expect(accruedCostUsd(h, 0.357, at(12 * HOUR))).toBeCloseTo(0.714, 10);
  });

  it("saves only the instance-hours on an auto-stop: 10 h stopped at $0.357 is $3.57, not $3.64 with the storage", () => {
    const h = history([0, "RUNNING"], [2 * HOUR, "STOPPED"]);
    const saved = autoStopSavingsUsd(h, [at(2 * HOUR)], rates.instanceHourlyUsd, at(12 * HOUR));
    expect(saved).toBeCloseTo(3.57, 10);
    // What running those 10 h would have cost, minus what the stopped worker still paid, is the same figure.
    const ranOn = 10 * hourlyCostIn("RUNNING", rates);
    const paidStopped = 10 * hourlyCostIn("STOPPED", rates);
    expect(ranOn - paidStopped).toBeCloseTo(saved, 10);
  });
});
