import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limiter";

function manualClock() {
  let at = 0;
  return {
    now: () => at,
    advance: (ms: number) => {
      at += ms;
    },
  };
}

describe("createRateLimiter", () => {
  it("allows a burst, then one more per refill interval", () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ perMinute: 60, burst: 3 }, { now: clock.now });
    expect([1, 2, 3].map(() => limiter.take("a").allowed)).toEqual([true, true, true]);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterMs: 1_000 });
    clock.advance(400);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterMs: 600 });
    clock.advance(600);
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
  });

  it("keeps one bucket per client", () => {
    const limiter = createRateLimiter({ perMinute: 60, burst: 1 }, { now: manualClock().now });
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
  });

  it("allows everything when the rate is 0, and keeps no buckets", () => {
    const limiter = createRateLimiter({ perMinute: 0, burst: 1 }, { now: manualClock().now });
    for (let i = 0; i < 100; i++) {
      expect(limiter.take("a").allowed).toBe(true);
    }
    expect(limiter.clients).toBe(0);
  });

  it("forgets idle clients first when it holds too many, keeping the busy ones' debt", () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ perMinute: 60, burst: 2 }, { now: clock.now, maxClients: 10 });
    limiter.take("busy");
    limiter.take("busy");
    clock.advance(100);
    for (let i = 0; i < 9; i++) {
      limiter.take(`idle-${i}`);
    }
    clock.advance(1_000);
    limiter.take("newcomer");
    // The idle ones have refilled (and went); "busy" is still in debt and still limited.
    expect(limiter.clients).toBeLessThanOrEqual(10);
    expect(limiter.take("busy").allowed).toBe(true);
    expect(limiter.take("busy")).toMatchObject({ allowed: false });
  });

  it("stays within its bound under a flood of distinct clients", () => {
    const limiter = createRateLimiter(
      { perMinute: 60, burst: 5 },
      { now: manualClock().now, maxClients: 100 },
    );
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`client-${i}`);
    }
    expect(limiter.clients).toBeLessThanOrEqual(100);
  });
});
