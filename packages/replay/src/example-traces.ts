/**
 * The example traces of bench/traces, built from a seeded generator so that
 * they can be re-made (and re-sized) exactly: `pnpm --filter
 * @cml-fleet/replay write-traces`. Everything is in UTC instants; the
 * schedules are in Europe/Paris (UTC+1 in November).
 */

/** The trace format of the contract, as written to a file. */
export interface TraceDocument {
  start: string;
  end: string;
  bootMinutes: number;
  workers: {
    name: string;
    hourlyRate?: number;
    schedule?: {
      timeZone: string;
      readyAtStart: boolean;
      closedDates: string[];
      windows: { days: string[]; start: string; end: string }[];
    };
    starts: string[];
    stops: string[];
    activity: { from: string; to: string; runningNodes: number }[];
  }[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Bare-metal CML (c5.metal, us-east-1 on-demand), the rate of the contract's example. */
const METAL_RATE = 3.5;

/** A small deterministic generator (mulberry32): the same seed, the same trace. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
/** Minutes after midnight UTC of the day starting at `dayMs`. */
const at = (dayMs: number, minutes: number) => iso(dayMs + minutes * MINUTE_MS);

/**
 * People who start a worker in the morning, use it for a few hours (some
 * with a lunch break), and leave it running overnight and over the weekend;
 * a fifth of the workers were already left running when the trace begins,
 * and now and then someone does stop theirs. No schedules: the default idle
 * policy alone.
 */
export function forgottenWorkers(
  options: { workers?: number; days?: number; seed?: number } = {},
): TraceDocument {
  const workers = options.workers ?? 50;
  const days = options.days ?? 14;
  const next = random(options.seed ?? 20261102);
  const startMs = Date.parse("2026-11-02T00:00:00Z"); // a Monday
  const between = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  return {
    start: iso(startMs),
    end: iso(startMs + days * DAY_MS),
    bootMinutes: 8,
    workers: Array.from({ length: workers }, (_, index) => {
      const leftRunning = index % 5 === 0;
      const starts: string[] = [];
      const stops: string[] = [];
      const activity: TraceDocument["workers"][number]["activity"] = [];
      for (let day = 0; day < days; day++) {
        const weekday = day % 7; // 0 = Monday
        if (weekday >= 5 || next() < 0.35) {
          continue;
        }
        const dayMs = startMs + day * DAY_MS;
        const arrive = between(7 * 60, 9 * 60 + 30);
        // A worker left running has no starts at all (the trace then has it running from the beginning).
        if (!leftRunning) {
          starts.push(at(dayMs, arrive));
        }
        const nodes = between(2, 8);
        const morningFrom = arrive + between(5, 20);
        const morningTo = morningFrom + between(90, 210);
        activity.push({ from: at(dayMs, morningFrom), to: at(dayMs, morningTo), runningNodes: nodes });
        let lastTo = morningTo;
        if (next() < 0.5) {
          const afternoonFrom = morningTo + between(45, 75); // lunch
          lastTo = afternoonFrom + between(60, 180);
          activity.push({ from: at(dayMs, afternoonFrom), to: at(dayMs, lastTo), runningNodes: nodes });
        }
        if (next() < 0.2) {
          stops.push(at(dayMs, lastTo + between(5, 30)));
        }
      }
      return {
        name: `forgotten-${String(index + 1).padStart(2, "0")}`,
        hourlyRate: METAL_RATE,
        starts,
        stops,
        activity,
      };
    }),
  };
}

const PARIS_CLASS_WINDOW = { days: ["MON", "TUE", "WED", "THU", "FRI"], start: "08:30", end: "17:30" };

/**
 * Classrooms on a timetable: MON-FRI 08:30-17:30 Europe/Paris, ready at the
 * start; classes 08:45-12:00 and 13:30-17:15 (local) with a lunch break the
 * window holds the workers through. Workers were left running from the week
 * before (empty `starts`); a few instructors prepare the next day in the
 * evening (a manual start outside the window: the idle policy then applies).
 * `closedDates` opens no window that day (nobody comes).
 */
export function scheduledClasses(
  options: {
    workers?: number;
    days?: number;
    seed?: number;
    startDate?: string;
    closedDates?: string[];
  } = {},
): TraceDocument {
  const workers = options.workers ?? 30;
  const days = options.days ?? 7;
  const next = random(options.seed ?? 20261109);
  const startMs = Date.parse(`${options.startDate ?? "2026-11-02"}T00:00:00Z`);
  const closed = new Set(options.closedDates ?? []);
  const between = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  // Paris is UTC+1 in November: local 08:45 is 07:45Z.
  const local = (dayMs: number, hour: number, minute: number) => at(dayMs, (hour - 1) * 60 + minute);
  return {
    start: iso(startMs),
    end: iso(startMs + days * DAY_MS),
    bootMinutes: 8,
    workers: Array.from({ length: workers }, (_, index) => {
      const starts: string[] = [];
      const activity: TraceDocument["workers"][number]["activity"] = [];
      const instructor = index % 10 === 0;
      for (let day = 0; day < days; day++) {
        const dayMs = startMs + day * DAY_MS;
        const date = iso(dayMs).slice(0, 10);
        if (day % 7 >= 5 || closed.has(date)) {
          continue;
        }
        const nodes = between(3, 10);
        const late = between(0, 10);
        activity.push(
          { from: local(dayMs, 8, 45 + late), to: local(dayMs, 12, 0), runningNodes: nodes },
          { from: local(dayMs, 13, 30 + late), to: local(dayMs, 17, 15), runningNodes: nodes },
        );
        if (instructor && day % 7 < 4) {
          const prepFrom = between(19 * 60, 20 * 60);
          starts.push(local(dayMs, 0, prepFrom));
          activity.push({
            from: local(dayMs, 0, prepFrom + 12),
            to: local(dayMs, 0, prepFrom + 12 + between(30, 75)),
            runningNodes: 4,
          });
        }
      }
      return {
        name: `classroom-${String.fromCharCode(65 + Math.floor(index / 10))}-${(index % 10) + 1}`,
        hourlyRate: METAL_RATE,
        schedule: {
          timeZone: "Europe/Paris",
          readyAtStart: true,
          closedDates: [...closed].sort(),
          windows: [PARIS_CLASS_WINDOW],
        },
        starts,
        stops: [],
        activity,
      };
    }),
  };
}
