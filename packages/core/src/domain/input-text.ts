import { ValidationError } from "../errors";
import { jobKindOfId } from "./job";

/**
 * The rules for every piece of text a person sends the fleet, in one place.
 * Every text is hostile until it passes: it ends up in Postgres (which
 * refuses a NUL byte outright), in EC2 tags, in log lines and in operators'
 * terminals. So each kind of text has a length limit and a character rule,
 * and no kind may hold a character that is not text at all (see
 * {@link unsafeCharacterIn}). A refusal names the argument and the rule.
 */

/**
 * Characters no text may hold, whatever its kind: control characters (C0,
 * including tab and newline, DEL and C1: each line a person writes stays one
 * line in events, logs and the monitor), the Unicode line and paragraph
 * separators, the bidirectional controls that make text read differently
 * from how it is stored ("Trojan Source"), a byte-order mark, and lone
 * surrogates (not well-formed Unicode, they cannot be stored as UTF-8).
 */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

/** The first character no text may hold, as `U+XXXX` and its position; null when there is none. */
export function unsafeCharacterIn(
  value: string,
): { readonly codePoint: string; readonly index: number } | null {
  const match = UNSAFE_CHARACTER.exec(value);
  if (match === null) {
    return null;
  }
  const codePoint = match[0].codePointAt(0) ?? 0;
  return { codePoint: `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`, index: match.index };
}

/** The message of a refusal for an unsafe character (shared with the API's safety net). */
export function unsafeCharacterMessage(found: {
  readonly codePoint: string;
  readonly index: number;
}): string {
  return `must not contain control, line-separator or invisible formatting characters (found ${found.codePoint} at position ${found.index})`;
}

/** The value, unless it holds a character no text may hold (BAD_USER_INPUT naming `field`). */
export function rejectUnsafeCharacters(field: string, value: string): string {
  const unsafe = unsafeCharacterIn(value);
  if (unsafe !== null) {
    throw new ValidationError(field, unsafeCharacterMessage(unsafe));
  }
  return value;
}

/** Length as people count it, and as AWS does for tags: in Unicode code points, not UTF-16 units. */
function lengthOf(value: string): number {
  let count = 0;
  for (const _ of value) {
    count += 1;
  }
  return count;
}

export interface TextRule {
  readonly minLength: number;
  readonly maxLength: number;
  /** The shape the whole text must have, beyond the characters every text avoids. */
  readonly matches: (value: string) => boolean;
  /** What the shape is, for a person to act on ("must be ..."). */
  readonly shape: string;
}

function pattern(regex: RegExp): (value: string) => boolean {
  return (value) => regex.test(value);
}

const anyText = () => true;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** EC2's tag characters: letters, digits, spaces and _ . : / = + - @ (a space is U+0020 only: no tab, no newline). */
const TAG_CHARACTERS = /^[\p{L}\p{N} _.:/=+\-@]*$/u;

/**
 * Each kind of text and its rule. Lengths are in code points. Ids are what
 * the fleet makes (a worker's id is a UUID, a job's id is built from its kind:
 * see `jobKindOfId`), so anything else is refused before any lookup.
 */
export const TEXT_RULES = {
  workerId: {
    minLength: 36,
    maxLength: 36,
    matches: pattern(UUID),
    shape: "a worker id, a UUID such as 0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
  },
  apiTokenId: {
    minLength: 36,
    maxLength: 36,
    matches: pattern(UUID),
    shape: "an API token id, a UUID such as 0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
  },
  jobId: {
    minLength: 3,
    maxLength: 128,
    matches: (value) => jobKindOfId(value) !== null,
    shape: "a job id as the fleet makes them, e.g. stop.<worker id> (see the jobs query)",
  },
  workerName: {
    minLength: 1,
    maxLength: 63,
    matches: pattern(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
    shape: "1-63 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
  },
  tagKey: {
    minLength: 1,
    maxLength: 128,
    matches: pattern(TAG_CHARACTERS),
    shape: "a tag key of letters, digits, spaces and _ . : / = + - @ only (no tabs or newlines)",
  },
  tagValue: {
    minLength: 0,
    maxLength: 256,
    matches: pattern(TAG_CHARACTERS),
    shape: "a tag value of letters, digits, spaces and _ . : / = + - @ only (no tabs or newlines)",
  },
  /** A CML lab's id as the fleet stores it (CML makes UUIDs; bounded like any name read from CML). */
  labId: { minLength: 1, maxLength: 256, matches: anyText, shape: "a CML lab id" },
  /** Why a person asked for something: free text, one line, short enough to read in an event list. */
  reason: { minLength: 0, maxLength: 500, matches: anyText, shape: "one line of text" },
  /** Part of a name, instance id or address to look for. */
  search: { minLength: 0, maxLength: 100, matches: anyText, shape: "one line of text" },
  /** An endCursor handed out by a list: base64url. */
  cursor: {
    minLength: 1,
    maxLength: 256,
    matches: pattern(/^[A-Za-z0-9_-]+$/),
    shape: "a cursor returned by this list (pageInfo.endCursor)",
  },
  region: {
    minLength: 1,
    maxLength: 32,
    matches: pattern(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/),
    shape: "an AWS region name such as us-east-1",
  },
  instanceType: {
    minLength: 1,
    maxLength: 32,
    matches: pattern(/^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$/),
    shape: "an EC2 instance type such as c5.2xlarge",
  },
  amiId: {
    minLength: 12,
    maxLength: 21,
    matches: pattern(/^ami-[0-9a-f]{8,17}$/),
    shape: "an AMI id such as ami-0123456789abcdef0",
  },
  instanceId: {
    minLength: 10,
    maxLength: 19,
    matches: pattern(/^i-[0-9a-f]{8,17}$/),
    shape: "an EC2 instance id such as i-0123456789abcdef0",
  },
  idempotencyKey: {
    minLength: 1,
    maxLength: 64,
    matches: pattern(/^[\x21-\x7e]+$/),
    shape: "1-64 printable ASCII characters without spaces",
  },
  /** A CML license token: printable ASCII, no spaces (they are long base64-like strings). */
  licenseToken: {
    minLength: 1,
    maxLength: 2048,
    matches: pattern(/^[\x21-\x7e]+$/),
    shape: "a license token: printable ASCII characters without spaces",
  },
  /** An API token's name: who the audit log says acted. */
  tokenName: {
    minLength: 1,
    maxLength: 64,
    matches: pattern(/^[\p{L}\p{N} ._@-]+$/u),
    shape: "1-64 characters: letters, digits, spaces, '.', '_', '@' or '-'",
  },
  /** A schedule's name, as people see it in lists and in the reasons of scheduled starts and stops. */
  scheduleName: {
    minLength: 1,
    maxLength: 64,
    matches: pattern(/^[\p{L}\p{N}][\p{L}\p{N} ._()@:/+-]*$/u),
    shape: "1-64 characters: letters, digits, spaces and . _ ( ) @ : / + -, starting with a letter or digit",
  },
  scheduleId: {
    minLength: 36,
    maxLength: 36,
    matches: pattern(UUID),
    shape: "a schedule id, a UUID such as 0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
  },
  /**
   * A worker's owner: an identity as credentials name it, an API token's name
   * (see tokenName) or an OIDC user's name claim (an e-mail address, a user
   * name, a subject such as `auth0|6512...`).
   */
  ownerName: {
    minLength: 1,
    maxLength: 256,
    matches: pattern(/^[\p{L}\p{N}][\p{L}\p{N} ._@+|:-]*$/u),
    shape:
      "an identity as a credential names it: 1-256 letters, digits, spaces and . _ @ + | : -, starting with a letter or digit",
  },
  /** Who the audit log says acted: a token's name, an OIDC user's name, `anonymous` or `system:<component>`. */
  auditActor: {
    minLength: 1,
    maxLength: 256,
    matches: anyText,
    shape: "one line of text naming an identity",
  },
  /** What the audit log says was done: a GraphQL field name such as stopWorker. */
  auditAction: {
    minLength: 1,
    maxLength: 64,
    matches: pattern(/^[A-Za-z_][A-Za-z0-9_]*$/),
    shape: "an operation name such as stopWorker (letters, digits and '_')",
  },
} as const satisfies Readonly<Record<string, TextRule>>;

export type TextKind = keyof typeof TEXT_RULES;

/**
 * The text, when it is a `kind` of text; else a BAD_USER_INPUT naming the
 * argument (`field`, e.g. "input.tags[2].key") and the rule it breaks. The
 * value itself is never repeated in the message: it may be what is hostile.
 */
export function checkText(kind: TextKind, field: string, value: string): string {
  const rule: TextRule = TEXT_RULES[kind];
  rejectUnsafeCharacters(field, value);
  const length = lengthOf(value);
  if (length > rule.maxLength) {
    throw new ValidationError(field, `must be at most ${rule.maxLength} characters (got ${length})`);
  }
  if (length < rule.minLength) {
    throw new ValidationError(field, rule.minLength === 1 ? "must not be empty" : `must be ${rule.shape}`);
  }
  if (!rule.matches(value)) {
    throw new ValidationError(field, `must be ${rule.shape}`);
  }
  return value;
}

/** {@link checkText} for an optional argument: null and undefined stay null. */
export function checkOptionalText(
  kind: TextKind,
  field: string,
  value: string | null | undefined,
): string | null {
  return value === null || value === undefined ? null : checkText(kind, field, value);
}
