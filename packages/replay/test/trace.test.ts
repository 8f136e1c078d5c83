import { describe, expect, it } from "vitest";
import { parseTrace, parseTraceText, TraceError } from "../src/trace";

const valid = () => ({
  start: "2026-11-02T00:00:00Z",
  end: "2026-11-16T00:00:00Z",
  bootMinutes: 8,
  workers: [
    {
      name: "lab-1",
      hourlyRate: 3.5,
      schedule: {
        timeZone: "Europe/Paris",
        readyAtStart: true,
        closedDates: [],
        windows: [{ days: ["MON", "TUE"], start: "08:30", end: "17:30" }],
      },
      starts: ["2026-11-02T07:50:00Z"],
      stops: [],
      activity: [{ from: "2026-11-02T08:40:00Z", to: "2026-11-02T11:55:00Z", runningNodes: 4 }],
    },
  ],
});

type Trace = ReturnType<typeof valid>;

function refusal(change: (trace: Trace) => unknown): TraceError {
  const trace = valid();
  change(trace);
  try {
    parseTrace(trace);
  } catch (error) {
    if (error instanceof TraceError) {
      return error;
    }
    throw error;
  }
  throw new Error("the trace was accepted");
}

describe("trace validation", () => {
  it("accepts the contract's example", () => {
    const trace = parseTrace(valid());
    expect(trace.bootMs).toBe(8 * 60_000);
    expect(trace.workers[0]?.schedule).toMatchObject({ timeZone: "Europe/Paris", readyAtStart: true });
    expect(trace.workers[0]?.activity).toEqual([
      {
        fromMs: Date.parse("2026-11-02T08:40:00Z"),
        toMs: Date.parse("2026-11-02T11:55:00Z"),
        runningNodes: 4,
      },
    ]);
  });

  it.each<[string, (trace: Trace) => unknown, string, RegExp]>([
    ["a missing start", (t) => Reflect.deleteProperty(t, "start"), "start", /ISO 8601/],
    ["an instant without a zone", (t) => Object.assign(t, { end: "2026-11-16T00:00:00" }), "end", /zone/],
    [
      "an end before the start",
      (t) => Object.assign(t, { end: "2026-11-01T00:00:00Z" }),
      "end",
      /after start/,
    ],
    ["an unknown field", (t) => Object.assign(t, { extra: 1 }), "extra", /unknown field/],
    ["a negative boot", (t) => Object.assign(t, { bootMinutes: -1 }), "bootMinutes", /from 0/],
    ["no workers", (t) => Object.assign(t, { workers: [] }), "workers", /at least one/],
    [
      "a worker's unknown field",
      (t) => Object.assign(t.workers[0] ?? {}, { owner: "x" }),
      "workers[0].owner",
      /unknown/,
    ],
    [
      "a name with a control character",
      (t) => Object.assign(t.workers[0] ?? {}, { name: "lab\u0007" }),
      "workers[0].name",
      /U\+0007/,
    ],
    [
      "two workers of one name",
      (t) => t.workers.push({ ...(t.workers[0] as Trace["workers"][number]) }),
      "workers[1].name",
      /already/,
    ],
    [
      "a start outside the trace",
      (t) => Object.assign(t.workers[0] ?? {}, { starts: ["2026-12-01T00:00:00Z"] }),
      "workers[0].starts[0]",
      /between/,
    ],
    [
      "a negative rate",
      (t) => Object.assign(t.workers[0] ?? {}, { hourlyRate: -2 }),
      "workers[0].hourlyRate",
      /from 0/,
    ],
    [
      "an activity that ends before it begins",
      (t) => Object.assign(t.workers[0]?.activity[0] ?? {}, { to: "2026-11-02T08:00:00Z" }),
      "workers[0].activity[0].to",
      /after from/,
    ],
    [
      "a fractional node count",
      (t) => Object.assign(t.workers[0]?.activity[0] ?? {}, { runningNodes: 1.5 }),
      "workers[0].activity[0].runningNodes",
      /whole number/,
    ],
    [
      "a time zone that does not exist",
      (t) => Object.assign(t.workers[0]?.schedule ?? {}, { timeZone: "Mars/Olympus" }),
      "workers[0].schedule",
      /workers\[0\]\.schedule\.timeZone: must be an IANA time zone/,
    ],
    [
      "a window day that is no day",
      (t) => Object.assign(t.workers[0]?.schedule.windows[0] ?? {}, { days: ["MON", "FUNDAY"] }),
      "workers[0].schedule",
      /workers\[0\]\.schedule\.windows\[0\]\.days\[1\]/,
    ],
    [
      "a window start that is no string",
      (t) => Object.assign(t.workers[0]?.schedule.windows[0] ?? {}, { start: 830 }),
      "workers[0].schedule.windows[0].start",
      /string/,
    ],
  ])("refuses %s, naming the field", (_what, change, field, rule) => {
    const error = refusal(change);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(rule);
  });

  it("refuses text that is not JSON", () => {
    expect(() => parseTraceText("{ nope")).toThrow(/^trace: is not valid JSON/);
  });
});
