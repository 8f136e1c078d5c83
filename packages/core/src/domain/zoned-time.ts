/**
 * Wall-clock time in an IANA time zone, computed with `Intl` only (no date
 * library). Two rules settle the instants a daylight-saving change makes
 * awkward:
 * - a local time that does not exist (the clocks jump over it, e.g. 02:30 in
 *   Europe/Paris on 2026-03-29) is the first instant after the jump (03:00
 *   local there);
 * - a local time that exists twice (the clocks go back over it) is its first
 *   occurrence (the one before the change).
 */

/** A calendar date, as in the zone's own calendar. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A local date and time of day. `weekday` is 0 for Monday to 6 for Sunday. */
export interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `Intl` knows the zone (IANA names such as Europe/Paris, and UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) {
    return false;
  }
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Wall-clock readings already made, by zone and whole second: `formatToParts` is slow (microseconds), and
 * every idle check and schedule evaluation asks again for the same day boundaries. Bounded: cleared when full.
 */
const wallClocks = new Map<string, number>();
const MAX_WALL_CLOCKS = 50_000;

/** The wall-clock reading, as a UTC millisecond count, of `instantMs` in the zone. */
function wallClockMs(timeZone: string, instantMs: number): number {
  return instantMs + offsetMs(timeZone, instantMs);
}

/**
 * Offsets by zone and minute: a zone's offset changes on a minute boundary (every zone since the early 20th
 * century), so one `Intl` reading serves a whole minute. Bounded: a zone's map is emptied when it grows large.
 */
const offsetsByMinute = new Map<string, Map<number, number>>();
const MAX_CACHED_MINUTES = 500_000;

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetMs(timeZone: string, instantMs: number): number {
  const minute = Math.floor(instantMs / 60_000);
  let byMinute = offsetsByMinute.get(timeZone);
  if (byMinute === undefined) {
    byMinute = new Map();
    offsetsByMinute.set(timeZone, byMinute);
  }
  const cached = byMinute.get(minute);
  if (cached !== undefined) {
    return cached;
  }
  if (byMinute.size >= MAX_CACHED_MINUTES) {
    byMinute.clear();
  }
  const minuteMs = minute * 60_000;
  const offset = readWallClockMs(timeZone, minuteMs) - minuteMs;
  byMinute.set(minute, offset);
  return offset;
}

/** The wall-clock reading of `instantMs` as `Intl` gives it (whole seconds), as a UTC millisecond count. */
function readWallClockMs(timeZone: string, instantMs: number): number {
  const wholeSecondMs = Math.floor(instantMs / 1000) * 1000;
  const key = `${timeZone} ${wholeSecondMs}`;
  let wall = wallClocks.get(key);
  if (wall === undefined) {
    wall = readWallClock(timeZone, wholeSecondMs);
    if (wallClocks.size >= MAX_WALL_CLOCKS) {
      wallClocks.clear();
    }
    wallClocks.set(key, wall);
  }
  return wall + (instantMs - wholeSecondMs);
}

/** The zone's wall clock at a whole second, from `Intl`. */
function readWallClock(timeZone: string, wholeSecondMs: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(wholeSecondMs));
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of parts) {
    const value = Number(part.value);
    switch (part.type) {
      case "year":
        year = value;
        break;
      case "month":
        month = value;
        break;
      case "day":
        day = value;
        break;
      case "hour":
        hour = value;
        break;
      case "minute":
        minute = value;
        break;
      case "second":
        second = value;
        break;
      default:
        break;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The local date and time of an instant in the zone. */
export function toLocal(timeZone: string, instant: Date): LocalDateTime {
  const wall = new Date(wallClockMs(timeZone, instant.getTime()));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/** The date `days` after (or before) a date, in the proleptic Gregorian calendar. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** 0 for Monday to 6 for Sunday. */
export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

/** "YYYY-MM-DD". */
export function formatLocalDate(date: LocalDate): string {
  const pad = (value: number, width: number) => String(value).padStart(width, "0");
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** A "YYYY-MM-DD" that names a real calendar date; null otherwise. */
export function parseLocalDate(text: string): LocalDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) {
    return null;
  }
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  return check.getUTCFullYear() === date.year &&
    check.getUTCMonth() + 1 === date.month &&
    check.getUTCDate() === date.day
    ? date
    : null;
}

/**
 * The instant at which the zone's clocks read `secondOfDay` on `date`. A time
 * the clocks skip is the first instant after the skip; a time they read twice
 * is the first of the two instants.
 */
export function fromLocal(timeZone: string, date: LocalDate, secondOfDay: number): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + secondOfDay * 1000;
  // Offsets a day either side: a zone changes its offset at most once in between.
  const before = offsetMs(timeZone, wall - DAY_MS);
  const after = offsetMs(timeZone, wall + DAY_MS);
  const candidates = [wall - before, wall - after]
    .filter((instant) => wallClockMs(timeZone, instant) === wall)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) {
    return new Date(first);
  }
  // The clocks skip this time: the first instant after the skip is when the offset changes.
  let low = wall - after; // still on the old offset
  let high = wall - before; // already on the new offset
  if (low > high) {
    [low, high] = [high, low];
  }
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (middle <= low || middle >= high) {
      break;
    }
    if (offsetMs(timeZone, middle) === before) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return new Date(high);
}
