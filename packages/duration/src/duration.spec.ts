import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2_000],
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["7d", 604_800_000],
    ["1.5h", 5_400_000],
    ["1h30m", 5_400_000],
    ["1h 30m", 5_400_000],
    ["500 ms", 500],
    [" 2H ", 7_200_000],
    ["12m05s", 725_000],
  ])("reads %j as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "30", "0", "m", "-5m", "30 minutes", "1e3s", "5m soon", "1w", "1h-30m"])(
    "refuses %j",
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it("refuses a duration too long to count in milliseconds", () => {
    expect(parseDuration(`${"9".repeat(20)}d`)).toBeNull();
  });
});

describe("formatDuration", () => {
  it.each([
    [5_400_000, "90m"],
    [604_800_000, "7d"],
    [1_500, "1500ms"],
    [0, "0ms"],
  ])("writes %i ms as %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("writes what parseDuration reads back", () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
