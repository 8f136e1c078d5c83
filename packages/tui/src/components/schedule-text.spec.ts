import { describe, expect, it } from "vitest";
import { closedDatesText, daysText, windowsText } from "./schedule-text";

describe("schedule text", () => {
  it.each([
    [["MON", "TUE", "WED", "THU", "FRI"], "MON-FRI"],
    [["SAT", "SUN"], "SAT,SUN"],
    [["WED", "MON", "THU", "FRI"], "MON,WED-FRI"],
    [["SUN"], "SUN"],
    [[], ""],
  ])("writes the days %j as %s", (days, text) => {
    expect(daysText(days)).toBe(text);
  });

  it("writes every window, and a window past midnight as it is", () => {
    expect(
      windowsText({
        windows: [
          { days: ["MON", "TUE", "WED", "THU", "FRI"], start: "08:30", end: "18:00" },
          { days: ["FRI"], start: "22:00", end: "02:00" },
        ],
      }),
    ).toBe("MON-FRI 08:30-18:00; FRI 22:00-02:00");
  });

  it("shows the next closed dates, not past ones, and how many more", () => {
    expect(closedDatesText(["2027-01-01", "2026-01-01", "2026-12-25", "2027-05-01"], "2026-11-30")).toBe(
      "2026-12-25 2027-01-01 +1",
    );
    expect(closedDatesText(["2026-01-01"], "2026-11-30")).toBe("-");
  });
});
