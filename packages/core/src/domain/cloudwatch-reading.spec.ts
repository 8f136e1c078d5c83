import { describe, expect, it } from "vitest";
import { at, telemetry } from "../../test/support/worker-factory";
import { type CloudWatchReading, cloudWatchIsDue, currentReading } from "./cloudwatch-reading";

function readingAt(minutes: number): CloudWatchReading {
  return {
    askedAt: at(minutes).toISOString(),
    cpuPercent: 40,
    memoryPercent: 30,
    networkInBytes: 5_000,
    networkOutBytes: 4_000,
  };
}

describe("when a sweep asks CloudWatch for a worker's metrics", () => {
  it("asks for a worker whose CML is unreachable or unknown every 5 minutes with basic monitoring, every minute with detailed", () => {
    const unreachable = telemetry({ cmlReachable: false, usageFromCml: false, cloudWatch: readingAt(0) });
    const basic = [1, 2, 3, 4, 5, 6].map((minute) => cloudWatchIsDue(unreachable, "basic", at(minute)));
    expect(basic).toEqual([false, false, false, false, true, true]);
    expect(cloudWatchIsDue(unreachable, "detailed", at(1))).toBe(true);
    // A sweep a few seconds early still finds the datapoint due.
    expect(cloudWatchIsDue(unreachable, "basic", new Date(at(5).getTime() - 2_000))).toBe(true);
    expect(cloudWatchIsDue(null, "basic", at(0))).toBe(true);
  });

  it("does not ask while CML's stats give CPU and memory, and asks when they lack either", () => {
    const fromCml = telemetry({ usageFromCml: true, cloudWatch: readingAt(0) });
    expect(cloudWatchIsDue(fromCml, "detailed", at(30))).toBe(false);
    expect(cloudWatchIsDue({ ...fromCml, usageFromCml: false }, "basic", at(30))).toBe(true);
  });

  it("asks when when it last asked is lost, unreadable or in the future, never skips for ever", () => {
    const lost = telemetry({ cmlReachable: false });
    expect(cloudWatchIsDue(lost, "basic", at(0))).toBe(true);
    // A sample written before the sources were recorded: CML's stats are not known to have given anything.
    expect(cloudWatchIsDue(telemetry({ cloudWatch: readingAt(0) }), "basic", at(10))).toBe(true);
    const garbled = telemetry({ cmlReachable: false, cloudWatch: { ...readingAt(0), askedAt: "yesterday" } });
    expect(cloudWatchIsDue(garbled, "basic", at(1))).toBe(true);
    const ahead = telemetry({ cmlReachable: false, cloudWatch: readingAt(60) });
    expect(cloudWatchIsDue(ahead, "basic", at(1))).toBe(true);
  });

  it("keeps a reading as current until a newer datapoint can exist", () => {
    expect(currentReading(readingAt(0), "basic", at(4))).toEqual(readingAt(0));
    expect(currentReading(readingAt(0), "basic", at(5))).toBeNull();
    expect(currentReading(readingAt(0), "detailed", at(1))).toBeNull();
    expect(currentReading(null, "basic", at(0))).toBeNull();
  });
});
