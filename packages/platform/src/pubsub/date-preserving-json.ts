/**
 * JSON that keeps Dates: payloads are domain objects whose Dates the GraphQL
 * scalars and the clients' "keep the newest updatedAt" rule rely on.
 * A Date is written as `{ "$date": "<ISO>" }` and read back as a Date.
 */
const DATE_TAG = "$date";

export function stringifyPreservingDates(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, encoded: unknown) {
    // `encoded` is already the ISO string (Date#toJSON ran); the holder still has the Date.
    const original = this[key];
    return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : encoded;
  });
}

export function parsePreservingDates(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (isDateTag(value)) {
      return new Date(value[DATE_TAG]);
    }
    return value;
  });
}

function isDateTag(value: unknown): value is { [DATE_TAG]: string } {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    keys[0] === DATE_TAG &&
    typeof (value as Record<string, unknown>)[DATE_TAG] === "string"
  );
}
