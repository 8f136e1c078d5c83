import { ValidationError } from "@cml-fleet/core/errors";

/**
 * A position in a list read newest first by (at, id): events, jobs, the
 * audit log. The id breaks ties between entries of the same millisecond.
 */
export interface KeysetPosition {
  readonly at: Date;
  readonly id: string;
}

/** Opaque to clients: base64url of the sort key of the last entry on a page. */
export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString("base64url");
}

/** The position a cursor names; BAD_USER_INPUT (`after`) for anything this module did not write. */
export function decodeKeysetCursor(text: string): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) {
    throw invalidCursor();
  }
  const [at, id] = parsed as unknown[];
  if (typeof at !== "string" || typeof id !== "string" || id.length === 0 || id.length > 128) {
    throw invalidCursor();
  }
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) {
    throw invalidCursor();
  }
  return { at: instant, id };
}

/** A numeric id (an identity column) from a cursor, or BAD_USER_INPUT. */
export function numericCursorId(position: KeysetPosition): number {
  if (!/^\d{1,15}$/.test(position.id)) {
    throw invalidCursor();
  }
  return Number(position.id);
}

/** True when `entry` comes after `position` in newest-first order (older, or as old with a smaller id). */
export function isAfter(entry: KeysetPosition, position: KeysetPosition): boolean {
  const difference = entry.at.getTime() - position.at.getTime();
  return difference < 0 || (difference === 0 && entry.id < position.id);
}

function invalidCursor(): ValidationError {
  return new ValidationError("after", "is not a cursor returned by this list");
}
