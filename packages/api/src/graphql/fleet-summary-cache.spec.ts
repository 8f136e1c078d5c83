import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { describe, expect, it } from "vitest";
import { createFleetSummaryCache, FLEET_SUMMARY_MAX_AGE_MS } from "./fleet-summary-cache";

/** The cache over a pub/sub whose fleet events the spec sends, on a clock the spec moves. */
function cacheUnderTest() {
  let time = 0;
  const listeners = new Map<string, (payload: unknown) => void>();
  const cache = createFleetSummaryCache<number>(
    {
      listen(topic, listener) {
        listeners.set(topic, listener);
        return () => listeners.delete(topic);
      },
    },
    () => time,
  );
  let computed = 0;
  const compute = async () => ++computed;
  return {
    cache,
    compute,
    computed: () => computed,
    advance: (ms: number) => {
      time += ms;
    },
    fleetEvent: () => listeners.get(TOPICS.fleetEvent)?.({}),
    listening: () => listeners.has(TOPICS.fleetEvent),
  };
}

describe("the fleetSummary cache of one API process", () => {
  it("answers the same scope from one computation for up to a second, then computes again", async () => {
    const { cache, compute, advance } = cacheUnderTest();
    expect(await cache.get(null, compute)).toBe(1);
    advance(FLEET_SUMMARY_MAX_AGE_MS - 1);
    expect(await cache.get(null, compute)).toBe(1);
    advance(1);
    expect(await cache.get(null, compute)).toBe(2);
  });

  it("keeps each USER's scope apart from the fleet's", async () => {
    const { cache, compute } = cacheUnderTest();
    expect(await cache.get(null, compute)).toBe(1);
    expect(await cache.get(["alice"], compute)).toBe(2);
    expect(await cache.get(["bob", "group:ops"], compute)).toBe(3);
    expect(await cache.get(["alice"], compute)).toBe(2);
  });

  it("forgets every answer when a fleet event arrives", async () => {
    const { cache, compute, fleetEvent } = cacheUnderTest();
    await cache.get(null, compute);
    await cache.get(["alice"], compute);
    fleetEvent();
    expect(await cache.get(null, compute)).toBe(3);
    expect(await cache.get(["alice"], compute)).toBe(4);
  });

  it("shares a computation still running, and never serves a failed one again", async () => {
    const { cache, compute, computed } = cacheUnderTest();
    const [first, second] = await Promise.all([cache.get(null, compute), cache.get(null, compute)]);
    expect([first, second, computed()]).toEqual([1, 1, 1]);

    await expect(cache.get(["alice"], () => Promise.reject(new Error("database down")))).rejects.toThrow();
    expect(await cache.get(["alice"], compute)).toBe(2);
  });

  it("stops listening when closed", () => {
    const { cache, listening } = cacheUnderTest();
    expect(listening()).toBe(true);
    cache.close();
    expect(listening()).toBe(false);
  });
});
