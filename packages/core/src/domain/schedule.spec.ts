import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import {
  checkScheduleInput,
  learnedLeadMs,
  nextClosing,
  nextOpening,
  nextScheduledAction,
  parseScheduleInput,
  type ScheduleInputRaw,
  type ScheduleSpec,
  windowAt,
} from "./schedule";
import { fromLocal, toLocal } from "./zoned-time";

const at = (iso: string) => new Date(iso);
const MINUTE = 60_000;

function spec(overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return {
    timeZone: "Europe/Paris",
    windows: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "08:30", end: "17:30" }],
    closedDates: [],
    readyAtStart: false,
    ...overrides,
  };
}

function errorsOf(raw: ScheduleInputRaw): readonly string[] {
  const checked = parseScheduleInput(raw);
  if (checked.ok) {
    throw new Error("accepted");
  }
  return checked.errors;
}

const VALID: ScheduleInputRaw = {
  name: "CCNA spring",
  timeZone: "Europe/Paris",
  windows: [{ days: ["TUE", "MON", "MON"], start: "08:30", end: "17:30:15" }],
  closedDates: ["2026-12-25", "2026-01-01", "2026-12-25"],
};

describe("parseScheduleInput", () => {
  it("accepts a schedule, de-duplicating and sorting days and closed dates", () => {
    expect(parseScheduleInput(VALID)).toEqual({
      ok: true,
      name: "CCNA spring",
      spec: {
        timeZone: "Europe/Paris",
        windows: [{ days: ["MON", "TUE"], start: "08:30", end: "17:30:15" }],
        closedDates: ["2026-01-01", "2026-12-25"],
        readyAtStart: false,
      },
    });
  });

  it("lists every problem, naming the argument", () => {
    const errors = errorsOf({
      name: "bad\nname",
      timeZone: "Mars/Olympus_Mons",
      windows: [
        { days: [], start: "8:30", end: "24:00" },
        { days: ["MONDAY"], start: "09:00", end: "09:00:00" },
      ],
      closedDates: ["2026-02-30", "26-01-01"],
    });
    expect(errors).toEqual([
      expect.stringMatching(/^input\.name: must not contain control/),
      "input.timeZone: must be an IANA time zone such as Europe/Paris",
      "input.windows[0].days: must name at least one day",
      expect.stringMatching(/^input\.windows\[0\]\.start: must be a local time "HH:MM"/),
      expect.stringMatching(/^input\.windows\[0\]\.end: must be a local time/),
      expect.stringMatching(/^input\.windows\[1\]\.days\[0\]: must be one of MON, TUE/),
      "input.windows[1]: start and end must differ (an end before the start runs past midnight)",
      'input.closedDates[0]: must be a real date "YYYY-MM-DD"',
      'input.closedDates[1]: must be a real date "YYYY-MM-DD"',
    ]);
  });

  it("refuses no windows, too many windows, an empty name and too many closed dates", () => {
    expect(errorsOf({ ...VALID, windows: [] })).toEqual(["input.windows: must hold at least one window"]);
    const window = { days: ["MON"], start: "08:00", end: "09:00" };
    expect(errorsOf({ ...VALID, windows: Array.from({ length: 51 }, () => window) })).toEqual([
      "input.windows: must hold at most 50 windows",
    ]);
    expect(errorsOf({ ...VALID, name: "  " })).toEqual(["input.name: must not be empty"]);
    expect(errorsOf({ ...VALID, closedDates: Array.from({ length: 1001 }, () => "2026-01-01") })).toEqual([
      "input.closedDates: must hold at most 1000 dates",
    ]);
  });

  it("throws one BAD_USER_INPUT from checkScheduleInput", () => {
    expect(() => checkScheduleInput({ ...VALID, timeZone: "../etc/passwd" })).toThrow(ValidationError);
    expect(checkScheduleInput(VALID).name).toBe("CCNA spring");
  });
});

describe("windows in a time zone", () => {
  it("holds an instant inside a window, not at its end, nor at the weekend", () => {
    // Monday 2026-11-02, Paris is UTC+1.
    expect(windowAt(spec(), at("2026-11-02T08:00:00Z"))).toMatchObject({
      opensAt: at("2026-11-02T07:30:00Z"),
      closesAt: at("2026-11-02T16:30:00Z"),
      localDate: "2026-11-02",
    });
    expect(windowAt(spec(), at("2026-11-02T07:29:59Z"))).toBeNull();
    expect(windowAt(spec(), at("2026-11-02T16:30:00Z"))).toBeNull();
    expect(windowAt(spec(), at("2026-11-07T10:00:00Z"))).toBeNull();
    expect(nextOpening(spec(), at("2026-11-06T17:00:00Z"))?.opensAt).toEqual(at("2026-11-09T07:30:00Z"));
  });

  it("runs a window past midnight; it belongs to the day it starts", () => {
    const night = spec({ windows: [{ days: ["FRI"], start: "22:00", end: "02:00" }] });
    // Saturday 2026-11-07 00:30 local is in Friday's window.
    expect(windowAt(night, at("2026-11-06T23:30:00Z"))).toMatchObject({
      opensAt: at("2026-11-06T21:00:00Z"),
      closesAt: at("2026-11-07T01:00:00Z"),
      localDate: "2026-11-06",
    });
    // Closing the Friday closes the night; closing the Saturday does not.
    expect(windowAt({ ...night, closedDates: ["2026-11-06"] }, at("2026-11-06T23:30:00Z"))).toBeNull();
    expect(windowAt({ ...night, closedDates: ["2026-11-07"] }, at("2026-11-06T23:30:00Z"))).not.toBeNull();
  });

  it("opens no window on a closed date", () => {
    const holiday = spec({ closedDates: ["2026-11-11"] });
    expect(windowAt(holiday, at("2026-11-11T10:00:00Z"))).toBeNull();
    expect(nextOpening(holiday, at("2026-11-10T17:00:00Z"))?.opensAt).toEqual(at("2026-11-12T07:30:00Z"));
    expect(windowAt(spec(), at("2026-11-11T10:00:00Z"))).not.toBeNull();
  });

  it("makes one opening of windows that touch", () => {
    const split = spec({
      windows: [
        { days: ["MON"], start: "08:00", end: "12:00" },
        { days: ["MON"], start: "12:00", end: "17:00" },
      ],
    });
    expect(windowAt(split, at("2026-11-02T10:00:00Z"))).toMatchObject({
      opensAt: at("2026-11-02T07:00:00Z"),
      closesAt: at("2026-11-02T16:00:00Z"),
    });
    expect(windowAt(split, at("2026-11-02T13:00:00Z"))?.opensAt).toEqual(at("2026-11-02T07:00:00Z"));
    expect(nextOpening(split, at("2026-11-02T08:00:00Z"))?.opensAt).toEqual(at("2026-11-09T07:00:00Z"));
    expect(nextClosing(split, at("2026-11-02T08:00:00Z"))).toEqual(at("2026-11-02T16:00:00Z"));
  });

  it("takes seconds: HH:MM:SS", () => {
    const short = spec({ timeZone: "UTC", windows: [{ days: ["MON"], start: "10:00:05", end: "10:00:35" }] });
    expect(windowAt(short, at("2026-11-02T10:00:04Z"))).toBeNull();
    expect(windowAt(short, at("2026-11-02T10:00:05Z"))?.closesAt).toEqual(at("2026-11-02T10:00:35Z"));
  });
});

describe("daylight saving (Europe/Paris: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00)", () => {
  const daily = spec({
    windows: [{ days: ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"], start: "08:30", end: "17:30" }],
  });

  it("keeps local times on both sides of a change", () => {
    expect(windowAt(daily, at("2026-03-28T10:00:00Z"))?.opensAt).toEqual(at("2026-03-28T07:30:00Z"));
    expect(windowAt(daily, at("2026-03-29T10:00:00Z"))?.opensAt).toEqual(at("2026-03-29T06:30:00Z"));
    expect(windowAt(daily, at("2026-10-24T10:00:00Z"))?.opensAt).toEqual(at("2026-10-24T06:30:00Z"));
    expect(windowAt(daily, at("2026-10-25T10:00:00Z"))?.opensAt).toEqual(at("2026-10-25T07:30:00Z"));
    expect(nextOpening(daily, at("2026-03-28T17:00:00Z"))?.opensAt).toEqual(at("2026-03-29T06:30:00Z"));
  });

  it("opens a window at a local time the clocks skip at the first instant after the skip (03:00 local)", () => {
    const early = spec({ windows: [{ days: ["SAT", "SUN"], start: "02:30", end: "04:00" }] });
    expect(windowAt(early, at("2026-03-28T01:30:00Z"))?.opensAt).toEqual(at("2026-03-28T01:30:00Z"));
    expect(windowAt(early, at("2026-03-29T01:00:00Z"))).toMatchObject({
      opensAt: at("2026-03-29T01:00:00Z"), // 03:00 CEST
      closesAt: at("2026-03-29T02:00:00Z"), // 04:00 CEST
    });
    expect(windowAt(early, at("2026-03-29T00:59:59Z"))).toBeNull();
    expect(nextOpening(early, at("2026-03-28T12:00:00Z"))?.opensAt).toEqual(at("2026-03-29T01:00:00Z"));
    expect(toLocal("Europe/Paris", at("2026-03-29T01:00:00Z"))).toMatchObject({ hour: 3, minute: 0 });
  });

  it("opens a window at a local time the clocks read twice at its first occurrence", () => {
    const early = spec({ windows: [{ days: ["SUN"], start: "02:30", end: "04:00" }] });
    expect(windowAt(early, at("2026-10-25T00:30:00Z"))).toMatchObject({
      opensAt: at("2026-10-25T00:30:00Z"), // 02:30 CEST, the first one
      closesAt: at("2026-10-25T03:00:00Z"), // 04:00 CET
    });
    expect(windowAt(early, at("2026-10-25T00:29:59Z"))).toBeNull();
    expect(fromLocal("Europe/Paris", { year: 2026, month: 10, day: 25 }, 2 * 3600 + 1800)).toEqual(
      at("2026-10-25T00:30:00Z"),
    );
  });

  it("runs a window past midnight across a change: an hour shorter in spring, longer in autumn", () => {
    const night = spec({ windows: [{ days: ["SAT"], start: "22:00", end: "06:00" }] });
    const spring = windowAt(night, at("2026-03-28T23:00:00Z"));
    expect(spring).toMatchObject({
      opensAt: at("2026-03-28T21:00:00Z"),
      closesAt: at("2026-03-29T04:00:00Z"),
    });
    const autumn = windowAt(night, at("2026-10-24T23:00:00Z"));
    expect(autumn).toMatchObject({
      opensAt: at("2026-10-24T20:00:00Z"),
      closesAt: at("2026-10-25T05:00:00Z"),
    });
    // Closing in the skipped hour closes at 03:00 local.
    const skipped = spec({ windows: [{ days: ["SAT"], start: "22:00", end: "02:30" }] });
    expect(windowAt(skipped, at("2026-03-28T23:00:00Z"))?.closesAt).toEqual(at("2026-03-29T01:00:00Z"));
  });

  it("is right in a zone west of Greenwich too (America/New_York, 2026-03-08 and 2026-11-01)", () => {
    const ny = spec({ timeZone: "America/New_York" });
    expect(windowAt(ny, at("2026-03-06T14:00:00Z"))?.opensAt).toEqual(at("2026-03-06T13:30:00Z"));
    expect(windowAt(ny, at("2026-03-09T14:00:00Z"))?.opensAt).toEqual(at("2026-03-09T12:30:00Z"));
    expect(windowAt(ny, at("2026-11-02T14:00:00Z"))?.opensAt).toEqual(at("2026-11-02T13:30:00Z"));
  });

  it("property: an opening opens and closes at the window's local times, and holds its own instants", () => {
    fc.assert(
      fc.property(
        fc.date({ min: at("2026-01-01T00:00:00Z"), max: at("2027-12-31T00:00:00Z"), noInvalidDate: true }),
        (instant) => {
          const opening = nextOpening(spec(), instant);
          expect(opening).not.toBeNull();
          if (opening === null) {
            return;
          }
          expect(opening.opensAt.getTime()).toBeGreaterThan(instant.getTime());
          expect(toLocal("Europe/Paris", opening.opensAt)).toMatchObject({ hour: 8, minute: 30, second: 0 });
          expect(toLocal("Europe/Paris", opening.closesAt)).toMatchObject({
            hour: 17,
            minute: 30,
            second: 0,
          });
          expect(toLocal("Europe/Paris", opening.opensAt).weekday).toBeLessThan(5);
          expect(windowAt(spec(), opening.opensAt)?.opensAt).toEqual(opening.opensAt);
          expect(windowAt(spec(), new Date(opening.opensAt.getTime() - 1))).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("nextScheduledAction", () => {
  const ready = spec({ readyAtStart: true });

  it("starts a stopped worker the lead time before the opening, only when readyAtStart", () => {
    const context = { status: "STOPPED", leadMs: 15 * MINUTE } as const;
    expect(nextScheduledAction(ready, at("2026-11-02T06:00:00Z"), context)).toMatchObject({
      action: "START",
      at: at("2026-11-02T07:15:00Z"),
      occurrence: { opensAt: at("2026-11-02T07:30:00Z") },
    });
    expect(nextScheduledAction(spec(), at("2026-11-02T06:00:00Z"), context)?.at).toEqual(
      at("2026-11-02T07:30:00Z"),
    );
  });

  it("starts a worker stopped inside an opening the schedule has not acted on now (overdue)", () => {
    const action = nextScheduledAction(ready, at("2026-11-02T09:00:00Z"), { status: "STOPPED", leadMs: 0 });
    expect(action).toMatchObject({ action: "START", at: at("2026-11-02T07:30:00Z") });
  });

  it("does not start again in an opening it acted on (a person stopped the worker): the next one", () => {
    const action = nextScheduledAction(ready, at("2026-11-02T09:00:00Z"), {
      status: "STOPPED",
      leadMs: 10 * MINUTE,
      handledOpeningAt: at("2026-11-02T07:30:00Z"),
    });
    expect(action).toMatchObject({ action: "START", at: at("2026-11-03T07:20:00Z") });
    // Also when it was stopped in the lead time, before the opening.
    expect(
      nextScheduledAction(ready, at("2026-11-02T07:25:00Z"), {
        status: "STOPPED",
        leadMs: 10 * MINUTE,
        handledOpeningAt: at("2026-11-02T07:30:00Z"),
      })?.at,
    ).toEqual(at("2026-11-03T07:20:00Z"));
  });

  it("stops a running worker at the closing", () => {
    expect(
      nextScheduledAction(ready, at("2026-11-02T09:00:00Z"), { status: "RUNNING", leadMs: 0 }),
    ).toMatchObject({
      action: "STOP",
      at: at("2026-11-02T16:30:00Z"),
    });
    expect(
      nextScheduledAction(ready, at("2026-11-02T20:00:00Z"), { status: "RUNNING", leadMs: 0 })?.at,
    ).toEqual(at("2026-11-03T16:30:00Z"));
  });

  it("does nothing to a terminated or failed worker, or on a schedule that never opens", () => {
    expect(
      nextScheduledAction(ready, at("2026-11-02T09:00:00Z"), { status: "TERMINATED", leadMs: 0 }),
    ).toBeNull();
    expect(
      nextScheduledAction(ready, at("2026-11-02T09:00:00Z"), { status: "FAILED", leadMs: 0 }),
    ).toBeNull();
    const never = spec({
      windows: [{ days: ["MON"], start: "08:00", end: "09:00" }],
      closedDates: Array.from({ length: 60 }, (_, week) => {
        const date = new Date(Date.UTC(2026, 10, 2) + week * 7 * 86_400_000);
        return date.toISOString().slice(0, 10);
      }),
    });
    // The first Monday not closed is 420 days on: beyond the 400-day horizon.
    expect(nextOpening(never, at("2026-11-01T00:00:00Z"))).toBeNull();
    expect(nextOpening(never, at("2026-12-01T00:00:00Z"))?.localDate).toBe("2027-12-27");
    expect(
      nextScheduledAction({ ...never, windows: [] }, at("2026-11-02T09:00:00Z"), {
        status: "STOPPED",
        leadMs: 0,
      }),
    ).toBeNull();
  });
});

describe("learnedLeadMs", () => {
  const bounds = { defaultMs: 15 * MINUTE, maxMs: 120 * MINUTE };
  it("is the default with fewer than three starts", () => {
    expect(learnedLeadMs([], bounds)).toBe(15 * MINUTE);
    expect(learnedLeadMs([MINUTE, 2 * MINUTE], bounds)).toBe(15 * MINUTE);
  });
  it("is the 90th percentile of the starts, rounded up to the second, at most the cap", () => {
    const starts = [5, 6, 7, 8, 9, 10, 11, 12, 13, 30].map((minutes) => minutes * MINUTE);
    expect(learnedLeadMs(starts, bounds)).toBe(13 * MINUTE);
    expect(learnedLeadMs([8 * MINUTE + 1, 7 * MINUTE, 6 * MINUTE], bounds)).toBe(8 * MINUTE + 1000);
    expect(learnedLeadMs([300 * MINUTE, 300 * MINUTE, 300 * MINUTE], bounds)).toBe(120 * MINUTE);
  });
});
