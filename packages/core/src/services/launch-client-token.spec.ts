import { describe, expect, it } from "vitest";
import { launchClientToken } from "./launch-client-token";

describe("launchClientToken", () => {
  it("is stable for the same worker and attempt and differs between attempts", () => {
    const workerId = "0b6f1a52-9c1e-4f8e-a0b4-1d2c3e4f5a6b";
    expect(launchClientToken(workerId, 1)).toBe(launchClientToken(workerId, 1));
    expect(launchClientToken(workerId, 1)).not.toBe(launchClientToken(workerId, 2));
    expect(launchClientToken(workerId, 1)).toBe(`cml-fleet-${workerId}-1`);
  });

  it("hashes ids that are too long or not printable ASCII, staying within 64 characters", () => {
    const long = "w".repeat(80);
    const unicode = "wörker-ünïcode";
    for (const id of [long, unicode]) {
      const token = launchClientToken(id, 3);
      expect(token.length).toBeLessThanOrEqual(64);
      expect(token).toMatch(/^[\x21-\x7e]+$/);
      expect(token).toBe(launchClientToken(id, 3));
    }
    expect(launchClientToken(long, 3)).not.toBe(launchClientToken(`${long}x`, 3));
  });

  it("rejects a negative or fractional attempt", () => {
    expect(() => launchClientToken("w", -1)).toThrow(RangeError);
    expect(() => launchClientToken("w", 1.5)).toThrow(RangeError);
  });
});
