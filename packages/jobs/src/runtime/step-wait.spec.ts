import { describe, expect, it } from "vitest";
import { STEP_WAIT_KEY, StepWait, stepDelayMs, stepWaitOf, withStepWait } from "./step-wait";

const progress = { phase: "cml", polls: 2, nextDelayMs: 400 };

describe("the wait a job keeps in its data between steps", () => {
  it("is read back by the same attempt, not by a retry (which starts its steps over)", () => {
    const data = withStepWait({ workerId: "w-1" }, progress, 0);
    expect(data).toEqual({ workerId: "w-1", [STEP_WAIT_KEY]: { ...progress, attemptsMade: 0 } });
    expect(stepWaitOf(data, 0)).toEqual(progress);
    expect(stepWaitOf(data, 1)).toBeNull();
  });

  it("is none when absent or malformed", () => {
    expect(stepWaitOf({ workerId: "w-1" }, 0)).toBeNull();
    expect(stepWaitOf({ [STEP_WAIT_KEY]: "cml" }, 0)).toBeNull();
    expect(
      stepWaitOf({ [STEP_WAIT_KEY]: { phase: "cml", polls: "2", nextDelayMs: 1, attemptsMade: 0 } }, 0),
    ).toBeNull();
    expect(stepWaitOf(null, 0)).toBeNull();
  });

  it("keeps a step's delay whole and within an hour", () => {
    expect(stepDelayMs(new StepWait(250.4, progress))).toBe(250);
    expect(stepDelayMs(new StepWait(-5, progress))).toBe(0);
    expect(stepDelayMs(new StepWait(Number.POSITIVE_INFINITY, progress))).toBe(0);
    expect(stepDelayMs(new StepWait(86_400_000, progress))).toBe(3_600_000);
  });
});
