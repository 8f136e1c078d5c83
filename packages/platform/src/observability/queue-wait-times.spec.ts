import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createQueueWaitTimes, firstAttemptWaitSeconds } from "./queue-wait-times";

describe("a job's wait before its first attempt", () => {
  it("runs from when it was added to when its first attempt started", () => {
    expect(
      firstAttemptWaitSeconds({ timestamp: 10_000, processedOn: 12_500, attemptsStarted: 1, opts: {} }),
    ).toBe(2.5);
  });

  it("starts when a delayed job (a scheduler's next run) became due, not when it was added", () => {
    expect(
      firstAttemptWaitSeconds({
        timestamp: 10_000,
        processedOn: 70_250,
        attemptsStarted: 1,
        opts: { delay: 60_000 },
      }),
    ).toBe(0.25);
  });

  it("is not observed again for a retry or a job put back for a busy worker", () => {
    expect(
      firstAttemptWaitSeconds({ timestamp: 10_000, processedOn: 90_000, attemptsStarted: 2, opts: {} }),
    ).toBeNull();
    expect(firstAttemptWaitSeconds({ timestamp: 10_000, attemptsStarted: 1, opts: {} })).toBeNull();
  });

  it("is never negative when the clocks of the adding and the taking process disagree", () => {
    expect(
      firstAttemptWaitSeconds({ timestamp: 10_000, processedOn: 9_990, attemptsStarted: 1, opts: {} }),
    ).toBe(0);
  });

  it("is registered once per registry (the all-in-one process's API and jobs share one)", () => {
    const registry = new Registry();
    expect(createQueueWaitTimes(registry)).toBe(createQueueWaitTimes(registry));
  });
});
