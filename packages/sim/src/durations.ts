const UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration written with a unit: "500ms", "2s", "90s", "5m", "1h". */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  const amount = match?.[1];
  const unit = match?.[2];
  const factor = unit === undefined ? undefined : UNITS_MS[unit];
  if (amount === undefined || factor === undefined) {
    throw new RangeError(`invalid duration '${text}' (expected e.g. 500ms, 2s, 90s, 5m, 1h)`);
  }
  return Math.round(Number(amount) * factor);
}
