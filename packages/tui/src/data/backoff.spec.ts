import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const options = { baseMs: 500, maxMs: 15_000 };
  it("doubles per attempt between half and all of the ceiling, and stops growing at the cap", () => {
    expect(backoffDelay(0, options, () => 0)).toBe(250);
    expect(backoffDelay(0, options, () => 0.999_999)).toBe(500);
    expect(backoffDelay(3, options, () => 0)).toBe(2000);
    expect(backoffDelay(30, options, () => 0.999_999)).toBe(15_000);
    expect(backoffDelay(30, options, () => 0)).toBe(7500);
  });
});
