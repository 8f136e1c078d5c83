import { describe, expect, it } from "vitest";
import { parseDuration } from "./durations";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2000],
    ["90s", 90_000],
    ["5m", 300_000],
    ["1.5h", 5_400_000],
  ])("reads %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "90", "5 minutes", "-1s", "1d"])("refuses %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});
