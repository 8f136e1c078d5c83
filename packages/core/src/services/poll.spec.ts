import { describe, expect, it } from "vitest";
import { JobTimeoutError, UpstreamUnavailableError } from "../errors";
import { type JobDeadline, pollOnce, pollUntil, waitProgressIn, withinJobDeadline } from "./poll";

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

describe("pollOnce: one look of a wait spread over job steps", () => {
  const stepOptions = { ...OPTIONS, phase: "boot" } as const;

  it("answers the value when ready, otherwise when to look again with a growing delay and the poll count", async () => {
    const time = fakeTime();
    const options = { ...stepOptions, deadline: new Date(10_000) };
    const first = await pollOnce(time, options, null, async () => null);
    expect(first).toEqual({
      kind: "wait",
      delayMs: 100,
      progress: { phase: "boot", polls: 1, nextDelayMs: 160 },
    });
    const second =
      first.kind === "wait" ? await pollOnce(time, options, first.progress, async () => null) : first;
    expect(second).toEqual({
      kind: "wait",
      delayMs: 160,
      progress: { phase: "boot", polls: 2, nextDelayMs: 256 },
    });
    const polls: number[] = [];
    const ready = await pollOnce(
      time,
      options,
      second.kind === "wait" ? second.progress : null,
      async (poll) => {
        polls.push(poll);
        return "up";
      },
    );
    expect(ready).toEqual({ kind: "ready", value: "up" });
    expect(polls).toEqual([3]);
  });

  it("starts the count again for another phase, and counts a retryable error as not yet", async () => {
    const time = fakeTime();
    const previous = { phase: "cml", polls: 7, nextDelayMs: 1_000 };
    const step = await pollOnce(time, { ...stepOptions, deadline: new Date(10_000) }, previous, async () => {
      throw new UpstreamUnavailableError("ec2", "throttled", { retryable: true });
    });
    expect(step).toMatchObject({ kind: "wait", delayMs: 100, progress: { phase: "boot", polls: 1 } });
  });

  it("gives up at the absolute deadline whichever step looks, and never waits past it", async () => {
    const time = fakeTime(9_950);
    const options = { ...stepOptions, deadline: new Date(10_000) };
    const late = await pollOnce(
      time,
      options,
      { phase: "boot", polls: 4, nextDelayMs: 1_000 },
      async () => null,
    );
    expect(late).toMatchObject({ kind: "wait", delayMs: 50 });
    await time.sleep(50);
    await expect(pollOnce(time, options, null, async () => null)).rejects.toThrow(
      /gave up waiting for instance i-1 running/,
    );
  });

  it("reads a recorded wait back only when its shape holds", () => {
    expect(waitProgressIn({ phase: "cml", polls: 3, nextDelayMs: 500 })).toEqual({
      phase: "cml",
      polls: 3,
      nextDelayMs: 500,
    });
    expect(waitProgressIn({ phase: "cml", polls: -1, nextDelayMs: 500 })).toBeNull();
    expect(waitProgressIn({ phase: "cml", polls: 1.5, nextDelayMs: 500 })).toBeNull();
    expect(waitProgressIn({ phase: 3, polls: 1, nextDelayMs: 500 })).toBeNull();
    expect(waitProgressIn({ phase: "cml", polls: 1, nextDelayMs: Number.NaN })).toBeNull();
    expect(waitProgressIn("cml")).toBeNull();
    expect(waitProgressIn(null)).toBeNull();
  });
});
