import { ValidationError } from "../errors";
import { checkText } from "./input-text";
import type { WorkerStatus } from "./worker-status";
import {
  addDays,
  formatLocalDate,
  fromLocal,
  isKnownTimeZone,
  type LocalDate,
  parseLocalDate,
  toLocal,
  weekdayOf,
} from "./zoned-time";

/**
 * Schedules: weekly opening windows in an IANA time zone, with closed dates
 * (holidays). Pure: no I/O, no clock; every function takes the instant it
 * reasons about.
 *
 * - A window opens on each of its days at `start` (local time) and closes at
 *   `end`; an `end` before the `start` runs past midnight, and the window
 *   belongs to the day it starts: a closed date opens no window that day
 *   (a window that opened the day before still closes as usual).
 * - Windows that overlap or touch make one opening: MON 08:00-12:00 and
 *   MON 12:00-17:00 hold a worker from 08:00 to 17:00 without a stop at noon.
 *   (An opening is looked for over a few days around the instant asked
 *   about: one chained without a break for more than a week is cut there.)
 * - Daylight saving (see `zoned-time.ts`): a local time the clocks skip is the
 *   first instant after the skip (02:30 on the spring-forward night in
 *   Europe/Paris opens at 03:00 local); a local time they read twice is its
 *   first occurrence. A window whose opening and closing fall in the same skip
 *   opens nothing.
 */

export const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ScheduleWindow {
  readonly days: readonly Weekday[];
  /** Local "HH:MM" or "HH:MM:SS". */
  readonly start: string;
  /** Local "HH:MM" or "HH:MM:SS"; before `start`: past midnight. */
  readonly end: string;
}

export interface ScheduleSpec {
  /** IANA name, e.g. Europe/Paris. */
  readonly timeZone: string;
  readonly windows: readonly ScheduleWindow[];
  /** Local dates "YYYY-MM-DD" on which no window opens. */
  readonly closedDates: readonly string[];
  /** Start workers early (by the learned lead time) so they are AVAILABLE when a window opens. */
  readonly readyAtStart: boolean;
}

export type Schedule = ScheduleSpec & { readonly id: string; readonly name: string };

/** One opening: from the opening of a window (or of touching windows) to its closing. */
export interface WindowOccurrence {
  readonly opensAt: Date;
  readonly closesAt: Date;
  /** The local date the (first) window starts on, "YYYY-MM-DD". */
  readonly localDate: string;
  /** The window that opens it, for reasons people read. */
  readonly window: ScheduleWindow;
}

export type ScheduledActionKind = "START" | "STOP";

export interface ScheduledAction {
  readonly action: ScheduledActionKind;
  /** When it is due; a START may be due already (in the past): it is then overdue. */
  readonly at: Date;
  /** The opening it is for: the window a START opens or a STOP closes. */
  readonly occurrence: WindowOccurrence;
}

export const SCHEDULE_LIMITS = {
  maxWindows: 50,
  maxClosedDates: 1000,
  /** How far ahead the next opening is looked for; a schedule with none that soon has no next action. */
  horizonDays: 400,
} as const;

/** What a person sends (GraphQL `ScheduleInput`), before any check. */
export interface ScheduleInputRaw {
  readonly name: string;
  readonly timeZone: string;
  readonly windows: readonly {
    readonly days: readonly string[];
    readonly start: string;
    readonly end: string;
  }[];
  readonly closedDates?: readonly string[] | null | undefined;
  readonly readyAtStart?: boolean | null | undefined;
}

export type ScheduleInputCheck =
  | { readonly ok: true; readonly name: string; readonly spec: ScheduleSpec }
  | { readonly ok: false; readonly errors: readonly string[] };

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Seconds since local midnight of "HH:MM[:SS]"; null when it is not one. */
export function parseTimeOfDay(text: string): number | null {
  const match = TIME_OF_DAY.exec(text);
  if (match === null) {
    return null;
  }
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] ?? "0");
}

function isWeekday(value: string): value is Weekday {
  return (WEEKDAYS as readonly string[]).includes(value);
}

function messageOf(error: unknown): string {
  return error instanceof ValidationError ? error.message : String(error);
}

/**
 * Checks a schedule a person sent. Every problem is listed (each message names
 * the argument, e.g. `input.windows[1].start`); the text itself is never
 * repeated. Days and closed dates are de-duplicated and sorted.
 */
export function parseScheduleInput(raw: ScheduleInputRaw, field = "input"): ScheduleInputCheck {
  const errors: string[] = [];
  let name = raw.name.trim();
  try {
    name = checkText("scheduleName", `${field}.name`, name);
  } catch (error) {
    errors.push(messageOf(error));
  }
  const timeZone = raw.timeZone.trim();
  if (!isKnownTimeZone(timeZone) || /[^A-Za-z0-9_+\-/]/.test(timeZone)) {
    errors.push(`${field}.timeZone: must be an IANA time zone such as Europe/Paris`);
  }
  if (raw.windows.length === 0) {
    errors.push(`${field}.windows: must hold at least one window`);
  }
  if (raw.windows.length > SCHEDULE_LIMITS.maxWindows) {
    errors.push(`${field}.windows: must hold at most ${SCHEDULE_LIMITS.maxWindows} windows`);
  }
  const windows: ScheduleWindow[] = [];
  raw.windows.slice(0, SCHEDULE_LIMITS.maxWindows).forEach((window, index) => {
    const at = `${field}.windows[${index}]`;
    const days = new Set<Weekday>();
    if (window.days.length === 0) {
      errors.push(`${at}.days: must name at least one day`);
    }
    if (window.days.length > 7 * 4) {
      errors.push(`${at}.days: must name at most 7 days`);
    } else {
      window.days.forEach((day, dayIndex) => {
        if (isWeekday(day)) {
          days.add(day);
        } else {
          errors.push(`${at}.days[${dayIndex}]: must be one of ${WEEKDAYS.join(", ")}`);
        }
      });
    }
    const start = parseTimeOfDay(window.start);
    const end = parseTimeOfDay(window.end);
    if (start === null) {
      errors.push(`${at}.start: must be a local time "HH:MM" or "HH:MM:SS" (00:00 to 23:59:59)`);
    }
    if (end === null) {
      errors.push(`${at}.end: must be a local time "HH:MM" or "HH:MM:SS" (00:00 to 23:59:59)`);
    }
    if (start !== null && end !== null && start === end) {
      errors.push(`${at}: start and end must differ (an end before the start runs past midnight)`);
    }
    windows.push({
      days: WEEKDAYS.filter((day) => days.has(day)),
      start: window.start,
      end: window.end,
    });
  });
  const rawDates = raw.closedDates ?? [];
  if (rawDates.length > SCHEDULE_LIMITS.maxClosedDates) {
    errors.push(`${field}.closedDates: must hold at most ${SCHEDULE_LIMITS.maxClosedDates} dates`);
  }
  const closedDates = new Set<string>();
  rawDates.slice(0, SCHEDULE_LIMITS.maxClosedDates).forEach((text, index) => {
    if (parseLocalDate(text) === null) {
      errors.push(`${field}.closedDates[${index}]: must be a real date "YYYY-MM-DD"`);
    } else {
      closedDates.add(text);
    }
  });
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    name,
    spec: {
      timeZone,
      windows,
      closedDates: [...closedDates].sort(),
      readyAtStart: raw.readyAtStart ?? false,
    },
  };
}

/** {@link parseScheduleInput}, throwing one BAD_USER_INPUT that lists every problem. */
export function checkScheduleInput(
  raw: ScheduleInputRaw,
  field = "input",
): { readonly name: string; readonly spec: ScheduleSpec } {
  const checked = parseScheduleInput(raw, field);
  if (!checked.ok) {
    throw new ValidationError(field, checked.errors.join("; "));
  }
  return { name: checked.name, spec: checked.spec };
}

/** "MON-FRI 08:30-17:30"-style text for reasons people read. */
export function describeWindow(window: ScheduleWindow): string {
  return `${window.days.join(",")} ${window.start}-${window.end}`;
}

// ---------- occurrences ----------

interface RawOccurrence {
  readonly opensMs: number;
  readonly closesMs: number;
  readonly localDate: string;
  readonly window: ScheduleWindow;
}

/** Occurrences per local date, per spec object (a spec is immutable). */
const occurrenceCache = new WeakMap<ScheduleSpec, Map<string, readonly RawOccurrence[]>>();

function occurrencesStartingOn(spec: ScheduleSpec, date: LocalDate): readonly RawOccurrence[] {
  let byDate = occurrenceCache.get(spec);
  if (byDate === undefined) {
    byDate = new Map();
    occurrenceCache.set(spec, byDate);
  }
  const key = formatLocalDate(date);
  const cached = byDate.get(key);
  if (cached !== undefined) {
    return cached;
  }
  const result: RawOccurrence[] = [];
  if (!spec.closedDates.includes(key)) {
    const weekday = WEEKDAYS[weekdayOf(date)];
    for (const window of spec.windows) {
      const start = parseTimeOfDay(window.start);
      const end = parseTimeOfDay(window.end);
      if (weekday === undefined || !window.days.includes(weekday) || start === null || end === null) {
        continue;
      }
      const opensMs = fromLocal(spec.timeZone, date, start).getTime();
      const closesMs = fromLocal(spec.timeZone, end > start ? date : addDays(date, 1), end).getTime();
      if (closesMs > opensMs) {
        result.push({ opensMs, closesMs, localDate: key, window });
      }
    }
  }
  result.sort((a, b) => a.opensMs - b.opensMs || b.closesMs - a.closesMs);
  byDate.set(key, result);
  return result;
}

function localDateOf(spec: ScheduleSpec, instantMs: number): LocalDate {
  return toLocal(spec.timeZone, new Date(instantMs));
}

const DAY_MS = 86_400_000;

function epochDay(date: LocalDate): number {
  return Math.round(Date.UTC(date.year, date.month - 1, date.day) / DAY_MS);
}

function dateOfDay(day: number): LocalDate {
  const date = new Date(day * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/**
 * A spec's openings over a range of local days (the days their first window
 * starts on), sorted and non-overlapping: touching and overlapping occurrences
 * merged. Built once per spec object and grown as queries need (a month ahead
 * at a time), so each query is a binary search.
 */
interface Timeline {
  readonly fromDay: number;
  readonly toDay: number;
  readonly openings: readonly WindowOccurrence[];
  readonly opensMs: readonly number[];
  readonly closesMs: readonly number[];
  readonly startDay: readonly number[];
}

const timelines = new WeakMap<ScheduleSpec, Timeline>();

function timeline(spec: ScheduleSpec, fromDay: number, toDay: number): Timeline {
  const existing = timelines.get(spec);
  if (existing !== undefined && existing.fromDay <= fromDay && existing.toDay >= toDay) {
    return existing;
  }
  const from = Math.min(existing?.fromDay ?? fromDay, fromDay - 7);
  const to = Math.max(existing?.toDay ?? toDay, toDay + 31);
  const raw: RawOccurrence[] = [];
  const days = new Map<string, number>();
  for (let day = from; day <= to; day += 1) {
    const date = dateOfDay(day);
    days.set(formatLocalDate(date), day);
    raw.push(...occurrencesStartingOn(spec, date));
  }
  raw.sort((a, b) => a.opensMs - b.opensMs || b.closesMs - a.closesMs);
  const built = {
    fromDay: from,
    toDay: to,
    openings: [] as WindowOccurrence[],
    opensMs: [] as number[],
    closesMs: [] as number[],
    startDay: [] as number[],
  };
  let head: RawOccurrence | null = null;
  let closesMs = 0;
  const flush = () => {
    if (head !== null) {
      built.openings.push({
        opensAt: new Date(head.opensMs),
        closesAt: new Date(closesMs),
        localDate: head.localDate,
        window: head.window,
      });
      built.opensMs.push(head.opensMs);
      built.closesMs.push(closesMs);
      built.startDay.push(days.get(head.localDate) ?? from);
    }
  };
  for (const occurrence of raw) {
    if (head !== null && occurrence.opensMs <= closesMs) {
      closesMs = Math.max(closesMs, occurrence.closesMs);
      continue;
    }
    flush();
    head = occurrence;
    closesMs = occurrence.closesMs;
  }
  flush();
  timelines.set(spec, built);
  return built;
}

/** The index of the first value greater than `target` in an ascending list (its length when none is). */
function firstAbove(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] ?? Number.POSITIVE_INFINITY) > target) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}

/** The opening that holds `instant` (opensAt ≤ instant < closesAt); null when the schedule is closed then. */
export function windowAt(spec: ScheduleSpec, instant: Date): WindowOccurrence | null {
  const at = instant.getTime();
  const day = epochDay(localDateOf(spec, at));
  const line = timeline(spec, day - 9, day + 2);
  const index = firstAbove(line.opensMs, at) - 1;
  return index >= 0 && (line.closesMs[index] ?? 0) > at ? (line.openings[index] ?? null) : null;
}

/** The first opening strictly after `after` (within `horizonDays` local days); null when none opens by then. */
export function nextOpening(spec: ScheduleSpec, after: Date): WindowOccurrence | null {
  const afterMs = after.getTime();
  const day = epochDay(localDateOf(spec, afterMs));
  const lastDay = day + SCHEDULE_LIMITS.horizonDays;
  for (let to = day + 31; ; to = Math.min(to + 31, lastDay)) {
    const line = timeline(spec, day - 9, to + 2);
    const index = firstAbove(line.opensMs, afterMs);
    const found = line.openings[index];
    const startDay = line.startDay[index];
    if (found !== undefined && startDay !== undefined && startDay <= to) {
      return startDay <= lastDay ? found : null;
    }
    if (to >= lastDay) {
      return null;
    }
  }
}

/** The closing of the opening that holds `after`, or else of the next opening; null when none. */
export function nextClosing(spec: ScheduleSpec, after: Date): Date | null {
  return (windowAt(spec, after) ?? nextOpening(spec, after))?.closesAt ?? null;
}

/** The latest closing at or before `before`, of an opening begun in the last 8 days; null when none. */
export function lastClosing(spec: ScheduleSpec, before: Date): WindowOccurrence | null {
  const beforeMs = before.getTime();
  const day = epochDay(localDateOf(spec, beforeMs));
  const line = timeline(spec, day - 9, day + 2);
  for (let index = firstAbove(line.opensMs, beforeMs) - 1; index >= 0; index -= 1) {
    if ((line.startDay[index] ?? 0) < day - 8) {
      return null;
    }
    if ((line.closesMs[index] ?? Number.POSITIVE_INFINITY) <= beforeMs) {
      return line.openings[index] ?? null;
    }
  }
  return null;
}

/**
 * What a schedule last did to a worker, kept with the worker so that a second
 * evaluation (a re-run, another job process) never acts twice on one opening.
 */
export interface ScheduleRunState {
  /** The opening (its opensAt) the schedule has dealt with: started the worker for it, or found it already up. */
  readonly openingAt: Date;
  /** When the schedule asked for the start; null when the worker was already up. */
  readonly startedAt: Date | null;
  /** The lead time used for that start, ms. */
  readonly leadMs: number;
  /** Whether a late start (not AVAILABLE when the window opened) was recorded for this opening. */
  readonly lateRecorded: boolean;
}

/** The lead time learned from the fleet's own starts (start asked → AVAILABLE, ms): their 90th percentile. */
export function learnedLeadMs(
  durationsMs: readonly number[],
  bounds: { readonly defaultMs: number; readonly maxMs: number; readonly minSamples?: number },
): number {
  const samples = durationsMs.filter((ms) => Number.isFinite(ms) && ms > 0).sort((a, b) => a - b);
  if (samples.length < (bounds.minSamples ?? 3)) {
    return Math.min(bounds.defaultMs, bounds.maxMs);
  }
  const index = Math.min(samples.length - 1, Math.ceil(samples.length * 0.9) - 1);
  const p90 = samples[index] ?? bounds.defaultMs;
  return Math.min(Math.ceil(p90 / 1000) * 1000, bounds.maxMs);
}

export interface ScheduledActionContext {
  readonly status: WorkerStatus;
  /** How long before an opening a stopped worker is started; used only when the schedule is `readyAtStart`. */
  readonly leadMs: number;
  /**
   * The opening (its `opensAt`) the schedule already acted on for this
   * worker: it is not started again for it (a person may have stopped it).
   */
  readonly handledOpeningAt?: Date | null;
}

/** Statuses in which the worker is up or coming up: the schedule's next act is to stop it. */
const UP: readonly WorkerStatus[] = ["PENDING", "RUNNING"];
/** Statuses in which the worker is down or going down: the schedule's next act is to start it. */
const DOWN: readonly WorkerStatus[] = ["STOPPING", "STOPPED"];

/**
 * What the schedule does next to a worker:
 * - up, inside an opening: STOP at its closing;
 * - up, outside: STOP at the closing of the next opening (the idle policy may stop it sooner);
 * - down: START at the next opening it has not acted on, less the lead when
 *   `readyAtStart` (an opening already under way, not yet acted on, is a START
 *   due now: its `at` is in the past);
 * - any other status (terminated, failed, unknown): nothing.
 */
export function nextScheduledAction(
  spec: ScheduleSpec,
  now: Date,
  context: ScheduledActionContext,
): ScheduledAction | null {
  const handledMs = context.handledOpeningAt?.getTime() ?? null;
  if (UP.includes(context.status)) {
    const opening = windowAt(spec, now) ?? nextOpening(spec, now);
    return opening === null ? null : { action: "STOP", at: opening.closesAt, occurrence: opening };
  }
  if (!DOWN.includes(context.status)) {
    return null;
  }
  const leadMs = spec.readyAtStart ? Math.max(0, context.leadMs) : 0;
  let opening = windowAt(spec, now);
  if (opening !== null && opening.opensAt.getTime() === handledMs) {
    opening = nextOpening(spec, opening.closesAt);
  } else if (opening === null) {
    // The next opening, or the one after it when the schedule already acted on it (started, then stopped by a person).
    opening = nextOpening(spec, now);
    if (opening !== null && opening.opensAt.getTime() === handledMs) {
      opening = nextOpening(spec, opening.closesAt);
    }
  }
  if (opening === null) {
    return null;
  }
  return { action: "START", at: new Date(opening.opensAt.getTime() - leadMs), occurrence: opening };
}
