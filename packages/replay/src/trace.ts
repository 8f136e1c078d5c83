import { unsafeCharacterIn, unsafeCharacterMessage } from "@cml-fleet/core/domain/input-text";
import { parseScheduleInput, type ScheduleSpec } from "@cml-fleet/core/domain/schedule";

/**
 * A usage trace (the contract's "Cost replay"): when people start and stop
 * workers by hand and when they use them. Everything here comes from a file
 * someone handed the replay, so it is checked field by field; a refusal
 * names the field (`workers[2].activity[0].to`) and the rule.
 */
export interface ActivityInterval {
  readonly fromMs: number;
  readonly toMs: number;
  readonly runningNodes: number;
}

export interface TraceWorker {
  readonly name: string;
  /** USD per hour; null: the settings' price of the default instance type. */
  readonly hourlyRate: number | null;
  /** The worker's schedule, checked by the fleet's own schedule rules; null when it has none. */
  readonly schedule: ScheduleSpec | null;
  /** Manual starts and stops, sorted. */
  readonly startsMs: readonly number[];
  readonly stopsMs: readonly number[];
  /** Sorted by start. */
  readonly activity: readonly ActivityInterval[];
}

export interface Trace {
  readonly startMs: number;
  readonly endMs: number;
  readonly bootMs: number;
  readonly workers: readonly TraceWorker[];
}

/** A trace that does not follow the contract; `field` is the path of the first bad field. */
export class TraceError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
    /** The whole message, when `rule` already names its fields (the schedule checks list several). */
    message = `${field}: ${rule}`,
  ) {
    super(message);
    this.name = "TraceError";
  }
}

const MINUTE_MS = 60_000;
/** A year of replay: far beyond a fortnight, and it keeps a hostile trace from running for hours. */
const MAX_SPAN_MS = 366 * 24 * 60 * MINUTE_MS;
const MAX_WORKERS = 10_000;
const MAX_EVENTS_PER_LIST = 100_000;
const MAX_BOOT_MINUTES = 24 * 60;
const MAX_NAME_LENGTH = 128;
const MAX_RUNNING_NODES = 100_000;
const MAX_HOURLY_RATE = 10_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const TOP_KEYS = new Set(["start", "end", "bootMinutes", "workers"]);
const WORKER_KEYS = new Set(["name", "hourlyRate", "schedule", "starts", "stops", "activity"]);
const ACTIVITY_KEYS = new Set(["from", "to", "runningNodes"]);
const SCHEDULE_KEYS = new Set(["name", "timeZone", "readyAtStart", "closedDates", "windows"]);
const WINDOW_KEYS = new Set(["days", "start", "end"]);

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown, field: string, keys: ReadonlySet<string>): Json {
  if (!isObject(value)) {
    throw new TraceError(field, "must be an object");
  }
  for (const key of Object.keys(value)) {
    if (!keys.has(key)) {
      throw new TraceError(
        field === "trace" ? key : `${field}.${key}`,
        `unknown field (known: ${[...keys].join(", ")})`,
      );
    }
  }
  return value;
}

function list(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new TraceError(field, "must be an array");
  }
  if (value.length > MAX_EVENTS_PER_LIST) {
    throw new TraceError(field, `must hold at most ${MAX_EVENTS_PER_LIST} entries`);
  }
  return value;
}

function instant(value: unknown, field: string): number {
  if (typeof value !== "string" || !ISO_INSTANT.test(value)) {
    throw new TraceError(field, 'must be an ISO 8601 instant with a zone, e.g. "2026-11-02T07:50:00Z"');
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new TraceError(field, `is not a real instant (${value})`);
  }
  return ms;
}

function number(value: unknown, field: string, min: number, max: number, integer = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new TraceError(field, `must be a number from ${min} to ${max}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new TraceError(field, "must be a whole number");
  }
  return value;
}

function within(ms: number, field: string, startMs: number, endMs: number): number {
  if (ms < startMs || ms > endMs) {
    throw new TraceError(field, "must lie between the trace's start and end");
  }
  return ms;
}

function name(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TraceError(field, "must be a non-empty string");
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new TraceError(field, `must be at most ${MAX_NAME_LENGTH} characters`);
  }
  const unsafe = unsafeCharacterIn(value);
  if (unsafe !== null) {
    throw new TraceError(field, unsafeCharacterMessage(unsafe));
  }
  return value;
}

function instants(value: unknown, field: string, startMs: number, endMs: number): number[] {
  if (value === undefined) {
    return [];
  }
  return list(value, field)
    .map((entry, index) => within(instant(entry, `${field}[${index}]`), `${field}[${index}]`, startMs, endMs))
    .sort((a, b) => a - b);
}

function activityOf(value: unknown, field: string, startMs: number, endMs: number): ActivityInterval[] {
  if (value === undefined) {
    return [];
  }
  return list(value, field)
    .map((entry, index) => {
      const at = `${field}[${index}]`;
      const interval = object(entry, at, ACTIVITY_KEYS);
      const fromMs = within(instant(interval.from, `${at}.from`), `${at}.from`, startMs, endMs);
      const toMs = within(instant(interval.to, `${at}.to`), `${at}.to`, startMs, endMs);
      if (toMs <= fromMs) {
        throw new TraceError(`${at}.to`, "must be after from");
      }
      const runningNodes =
        interval.runningNodes === undefined
          ? 1
          : number(interval.runningNodes, `${at}.runningNodes`, 0, MAX_RUNNING_NODES, true);
      return { fromMs, toMs, runningNodes };
    })
    .sort((a, b) => a.fromMs - b.fromMs || a.toMs - b.toMs);
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string") {
    throw new TraceError(field, "must be a string");
  }
  return value;
}

function texts(value: unknown, field: string): string[] {
  return list(value, field).map((entry, index) => text(entry, `${field}[${index}]`));
}

/** The contract's schedule (ScheduleInput without a name: the worker's name stands for it), by the fleet's own rules. */
function scheduleOf(value: unknown, field: string, workerName: string): ScheduleSpec | null {
  if (value === undefined || value === null) {
    return null;
  }
  const schedule = object(value, field, SCHEDULE_KEYS);
  if (schedule.readyAtStart !== undefined && typeof schedule.readyAtStart !== "boolean") {
    throw new TraceError(`${field}.readyAtStart`, "must be true or false");
  }
  const checked = parseScheduleInput(
    {
      name: schedule.name === undefined ? workerName : text(schedule.name, `${field}.name`),
      timeZone: text(schedule.timeZone, `${field}.timeZone`),
      readyAtStart: schedule.readyAtStart === true,
      closedDates:
        schedule.closedDates === undefined ? [] : texts(schedule.closedDates, `${field}.closedDates`),
      windows: list(schedule.windows, `${field}.windows`).map((entry, index) => {
        const at = `${field}.windows[${index}]`;
        const window = object(entry, at, WINDOW_KEYS);
        return {
          days: texts(window.days, `${at}.days`),
          start: text(window.start, `${at}.start`),
          end: text(window.end, `${at}.end`),
        };
      }),
    },
    field,
  );
  if (!checked.ok) {
    throw new TraceError(field, checked.errors.join("; "), checked.errors.join("; "));
  }
  return checked.spec;
}

/** Checks a parsed JSON document against the contract's trace format; throws a {@link TraceError}. */
export function parseTrace(document: unknown): Trace {
  const top = object(document, "trace", TOP_KEYS);
  const startMs = instant(top.start, "start");
  const endMs = instant(top.end, "end");
  if (endMs <= startMs) {
    throw new TraceError("end", "must be after start");
  }
  if (endMs - startMs > MAX_SPAN_MS) {
    throw new TraceError("end", "must be at most 366 days after start");
  }
  const bootMs = number(top.bootMinutes, "bootMinutes", 0, MAX_BOOT_MINUTES) * MINUTE_MS;
  const entries = list(top.workers, "workers");
  if (entries.length === 0) {
    throw new TraceError("workers", "must hold at least one worker");
  }
  if (entries.length > MAX_WORKERS) {
    throw new TraceError("workers", `must hold at most ${MAX_WORKERS} workers`);
  }
  const seen = new Set<string>();
  const workers = entries.map((entry, index): TraceWorker => {
    const field = `workers[${index}]`;
    const worker = object(entry, field, WORKER_KEYS);
    const workerName = name(worker.name, `${field}.name`);
    if (seen.has(workerName)) {
      throw new TraceError(`${field}.name`, `"${workerName}" is already the name of another worker`);
    }
    seen.add(workerName);
    return {
      name: workerName,
      hourlyRate:
        worker.hourlyRate === undefined || worker.hourlyRate === null
          ? null
          : number(worker.hourlyRate, `${field}.hourlyRate`, 0, MAX_HOURLY_RATE),
      schedule: scheduleOf(worker.schedule, `${field}.schedule`, workerName),
      startsMs: instants(worker.starts, `${field}.starts`, startMs, endMs),
      stopsMs: instants(worker.stops, `${field}.stops`, startMs, endMs),
      activity: activityOf(worker.activity, `${field}.activity`, startMs, endMs),
    };
  });
  return { startMs, endMs, bootMs, workers };
}

/** Parses the text of a trace file (JSON); throws a {@link TraceError}. */
export function parseTraceText(text: string): Trace {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new TraceError(
      "trace",
      `is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return parseTrace(document);
}
