const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;
type DurationUnit = keyof typeof UNIT_MS;

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration written with a unit ("500ms", "90s", "30m", "2h", "7d")
 * into milliseconds. A bare number is refused on purpose: "30" could mean
 * seconds or minutes, and guessing wrong stops a student's lab.
 * Returns null when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim());
  if (match === null) {
    return null;
  }
  const [, amount, unit] = match;
  if (amount === undefined || unit === undefined) {
    return null;
  }
  const ms = Number(amount) * UNIT_MS[unit as DurationUnit];
  return Number.isSafeInteger(Math.round(ms)) ? Math.round(ms) : null;
}

/** The shortest exact way to write `ms` with one unit, e.g. 5_400_000 -> "90m". */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) {
      return `${ms / UNIT_MS[unit]}${unit}`;
    }
  }
  return `${ms}ms`;
}
