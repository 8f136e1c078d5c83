const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;
type DurationUnit = keyof typeof UNIT_MS;

/** One term: an amount and its unit. "ms" comes first so that "5ms" is not read as five minutes and an "s". */
const TERM = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$/;

/**
 * The one duration grammar of cml-fleet (settings, the simulator's options, the monitor's keep-alive prompt):
 * one or more terms of an amount and a unit, `ms`, `s`, `m`, `h` or `d`, e.g. "500ms", "90s", "1.5h", "1h30m",
 * "7d". A bare number is refused on purpose: "30" could mean seconds or minutes, and guessing wrong stops a
 * student's lab. Returns milliseconds, or null when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (!WHOLE.test(trimmed)) {
    return null;
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(TERM)) {
    total += Number(amount) * UNIT_MS[unit as DurationUnit];
  }
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** The shortest exact way to write `ms` with one unit, e.g. 5_400_000 -> "90m"; parseDuration reads it back. */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) {
      return `${ms / UNIT_MS[unit]}${unit}`;
    }
  }
  return `${ms}ms`;
}
