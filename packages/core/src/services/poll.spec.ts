import { describe, expect, it } from "vitest";
import { JobTimeoutError, UpstreamUnavailableError } from "../errors";
import { type JobDeadline, pollUntil, withinJobDeadline } from "./poll";

/** A clock moved only by the test's sleep: waits cost nothing. */
function fakeTime(start = 0) {
  let now = start;
  return {
    clock: { now: () => new Date(now) },
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

const OPTIONS = {
  what: "instance i-1 running",
  upstream: "ec2",
  initialDelayMs: 100,
  maxDelayMs: 1_000,
} as const;

function jobBound(deadlineMs: number, signal: AbortSignal = new AbortController().signal): JobDeadline {
  return {
    deadline: new Date(deadlineMs),
    signal,
    setting: "CML_JOB_TIMEOUT",
    boundMs: 2_000,
    what: "stop job 7",
  };
}

describe("pollUntil within a job's bound", () => {
  it("outside a job, gives up at its own deadline with an upstream error", async () => {
    const time = fakeTime();
    const waiting = pollUntil(time, { ...OPTIONS, deadline: new Date(5_000) }, async () => null);
    await expect(waiting).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it("stops at the job's deadline when it comes first, with the job's timeout naming the setting", async () => {
    const time = fakeTime();
    let probes = 0;
    const waiting = withinJobDeadline(jobBound(2_000), () =>
      pollUntil(time, { ...OPTIONS, deadline: new Date(60_000) }, async () => {
        probes += 1;
        return null;
      }),
    );
    await expect(waiting).rejects.toThrow(/stop job 7 ran past CML_JOB_TIMEOUT \(2s\)/);
    await expect(waiting).rejects.toBeInstanceOf(JobTimeoutError);
    expect(time.clock.now().getTime()).toBe(2_000);
    expect(probes).toBeLessThan(20);
  });

  it("makes no further probe once the job is aborted, even mid-sleep", async () => {
    const controller = new AbortController();
    let probes = 0;
    const sleepForever = () => new Promise<void>(() => {});
    const waiting = withinJobDeadline(jobBound(60_000, controller.signal), () =>
      pollUntil(
        { clock: { now: () => new Date(0) }, sleep: sleepForever },
        { ...OPTIONS, deadline: new Date(60_000) },
        async () => {
          probes += 1;
          return null;
        },
      ),
    );
    await Promise.resolve();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({
      kind: "timeout",
      setting: "CML_JOB_TIMEOUT",
      retryable: false,
    });
    expect(probes).toBe(1);
  });
});
