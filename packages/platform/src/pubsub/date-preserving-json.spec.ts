import { describe, expect, it } from "vitest";
import { parsePreservingDates, stringifyPreservingDates } from "./date-preserving-json";

describe("date-preserving JSON", () => {
  it("brings Dates back as Dates, however deeply nested", () => {
    const value = {
      at: new Date("2026-11-27T09:30:00.123Z"),
      nested: { list: [new Date(0)], text: "2026-11-27T09:30:00Z" },
    };
    const back = parsePreservingDates(stringifyPreservingDates(value));
    expect(back).toEqual(value);
    expect((back as typeof value).nested.text).toBe("2026-11-27T09:30:00Z");
  });

  it("leaves ordinary objects that merely have a $date key among others alone", () => {
    const value = { $date: "2026-01-01T00:00:00Z", other: 1 };
    expect(parsePreservingDates(stringifyPreservingDates(value))).toEqual(value);
  });
});
