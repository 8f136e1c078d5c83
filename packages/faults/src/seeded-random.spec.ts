import { describe, expect, it } from "vitest";
import { seededRandom, seedFromEnv } from "./seeded-random";

describe("seededRandom", () => {
  it("gives the same draws for the same seed and others for another", () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 8 }, () => random.integer(0, 1_000));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it("stays within bounds and shuffles without losing an item", () => {
    const random = seededRandom(1);
    for (let i = 0; i < 1_000; i++) {
      const value = random.integer(3, 5);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(5);
    }
    expect(random.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads FAULTS_SEED, and refuses one that is not a 32-bit integer", () => {
    expect(seedFromEnv({ FAULTS_SEED: "1234" })).toBe(1234);
    expect(() => seedFromEnv({ FAULTS_SEED: "-1" })).toThrow(/FAULTS_SEED/);
    expect(() => seedFromEnv({ FAULTS_SEED: "abc" })).toThrow(/FAULTS_SEED/);
  });
});
