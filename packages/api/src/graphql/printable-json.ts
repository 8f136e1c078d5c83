import { cleanOutsideText } from "@cml-fleet/core/domain/outside-text";

/**
 * How deep a JSON value is served. Event data is a flat record of facts (the policy numbers of an
 * auto-stop, a previous and a next state); anything nested deeper is cut rather than walked.
 */
const MAX_DEPTH = 8;
/** Entries of one object or array served; the rest are dropped (an upstream could send thousands). */
const MAX_ENTRIES = 200;
/** A key is a name, not prose. */
const MAX_KEY_LENGTH = 64;
/** A string value is one sentence at most (outside text's own bound for a message). */
const MAX_STRING_LENGTH = 500;

/**
 * `value` as the `JSON` scalar serves it. Event data holds text from outside the fleet (a lab title, an
 * upstream's error, an EC2 tag), and clients such as the monitor draw it in a terminal, so every string,
 * keys included, is cleaned as outside text (no control character, no escape sequence, no bidi control,
 * bounded), whatever was stored. Numbers that JSON cannot carry (NaN, Infinity) become null; dates become
 * ISO 8601 text; anything that is not JSON (a function, a symbol, a bigint) becomes null.
 */
export function printableJson(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) {
    return null;
  }
  switch (typeof value) {
    case "string":
      return cleanOutsideText(value, MAX_STRING_LENGTH);
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "object":
      return depth >= MAX_DEPTH ? null : printableObject(value, depth);
    default:
      return null;
  }
}

function printableObject(value: object, depth: number): unknown {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? null : value.toISOString();
  }
  if (Array.isArray(value)) {
    return value.slice(0, MAX_ENTRIES).map((item: unknown) => printableJson(item, depth + 1));
  }
  const printable: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).slice(0, MAX_ENTRIES)) {
    printable[cleanOutsideText(key, MAX_KEY_LENGTH)] = printableJson(item, depth + 1);
  }
  return printable;
}
