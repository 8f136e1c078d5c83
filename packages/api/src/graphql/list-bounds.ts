import { ValidationError } from "@cml-fleet/core/errors";

const MAX_LIST_SIZE = 500;

/** Events read per worker to find its auto-stops for savings: months of daily stops, one statement a page. */
export const AUTO_STOP_EVENT_WINDOW = 500;

/** A `first` argument within bounds (1-500), or the default when it is omitted. */
export function boundedFirst(field: string, first: number | null | undefined, fallback: number): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIST_SIZE) {
    throw new ValidationError(field, `must be between 1 and ${MAX_LIST_SIZE}`);
  }
  return value;
}
