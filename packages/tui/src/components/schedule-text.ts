import type { Schedule } from "../data/fleet-types";

const ORDER = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

/** Days as a person writes them: MON-FRI, SAT,SUN, MON,WED-FRI. */
export function daysText(days: readonly string[]): string {
  const indexes = [...new Set(days.map((day) => ORDER.indexOf(day as (typeof ORDER)[number])))]
    .filter((index) => index >= 0)
    .sort((a, b) => a - b);
  const runs: string[] = [];
  let start = 0;
  for (let i = 1; i <= indexes.length; i += 1) {
    if (i === indexes.length || (indexes[i] ?? 0) !== (indexes[i - 1] ?? 0) + 1) {
      const first = ORDER[indexes[start] ?? 0];
      const last = ORDER[indexes[i - 1] ?? 0];
      runs.push(
        i - 1 - start >= 2
          ? `${first}-${last}`
          : indexes
              .slice(start, i)
              .map((d) => ORDER[d])
              .join(","),
      );
      start = i;
    }
  }
  return runs.join(",");
}

/** Every window of a schedule: "MON-FRI 08:00-18:00; SAT 09:00-12:00". */
export function windowsText(schedule: Pick<Schedule, "windows">): string {
  return schedule.windows
    .map((window) => `${daysText(window.days)} ${window.start}-${window.end}`)
    .join("; ");
}

/** Closed dates, the next ones first: "2026-12-25 2027-01-01 +3". */
export function closedDatesText(dates: readonly string[], today: string, shown = 2): string {
  const upcoming = [...dates].filter((date) => date >= today).sort();
  if (upcoming.length === 0) {
    return "-";
  }
  const more = upcoming.length - shown;
  return `${upcoming.slice(0, shown).join(" ")}${more > 0 ? ` +${more}` : ""}`;
}
