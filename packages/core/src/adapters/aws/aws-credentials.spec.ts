import { describe, expect, it } from "vitest";
import type { Clock } from "../../ports/clock.port";
import { type AwsCredentials, cacheUntilExpiry } from "./aws-credentials";

function manualClock(start: Date): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

describe("cacheUntilExpiry", () => {
  const margin = 5 * 60_000;

  it("reuses credentials until the refresh margin before expiry, then fetches again", async () => {
    const clock = manualClock(new Date("2026-01-01T00:00:00Z"));
    let fetches = 0;
    const provider = cacheUntilExpiry(
      async (): Promise<AwsCredentials> => {
        fetches += 1;
        return {
          accessKeyId: `AKIA${fetches}`,
          secretAccessKey: "s",
          expiration: new Date(clock.now().getTime() + 60 * 60_000),
        };
      },
      margin,
      clock,
    );
    expect((await provider()).accessKeyId).toBe("AKIA1");
    clock.advance(54 * 60_000);
    expect((await provider()).accessKeyId).toBe("AKIA1");
    clock.advance(2 * 60_000);
    expect((await provider()).accessKeyId).toBe("AKIA2");
    expect(fetches).toBe(2);
  });

  it("shares one fetch between concurrent callers and does not cache failures", async () => {
    const clock = manualClock(new Date("2026-01-01T00:00:00Z"));
    let fetches = 0;
    let fail = true;
    const provider = cacheUntilExpiry(
      async (): Promise<AwsCredentials> => {
        fetches += 1;
        await Promise.resolve();
        if (fail) {
          throw new Error("sts down");
        }
        return { accessKeyId: "A", secretAccessKey: "s" };
      },
      margin,
      clock,
    );
    const results = await Promise.allSettled([provider(), provider(), provider()]);
    expect(results.every((result) => result.status === "rejected")).toBe(true);
    expect(fetches).toBe(1);
    fail = false;
    await Promise.all([provider(), provider()]);
    expect(fetches).toBe(2);
    // Credentials without an expiration never expire.
    clock.advance(24 * 60 * 60_000);
    await provider();
    expect(fetches).toBe(2);
  });
});
