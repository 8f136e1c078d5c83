/**
 * What text written outside the fleet's trust boundary may hold once it is inside: lab titles and states,
 * license statuses and messages from a worker's CML, EC2 tags and names, the words of an upstream error.
 * Lab users, AWS account users and anyone who can answer on a worker's address write it, and it ends up in
 * the database, in the GraphQL API and in operators' terminals, where an escape sequence is an instruction
 * (OSC 0/2 retitles the window, OSC 52 writes the clipboard, CSI moves the cursor and erases the screen).
 *
 * Clean text has no C0 or C1 control character (so no ESC and no NUL, which Postgres refuses), no whole
 * escape sequence left as visible garbage, no bidi embedding, override or isolate (they reorder what an
 * operator reads: the "Trojan Source" spoofing), no lone surrogate, is in Unicode NFC (one spelling per text,
 * so equal titles compare equal), and is bounded in length. Printable text in any script, emoji included, is
 * kept as it is.
 */

/**
 * Upper bounds in code points (what Postgres counts in a `varchar(n)` and what a person reads). They bound
 * what one outside party can make the fleet store, serve and draw on every frame.
 */
export const OUTSIDE_TEXT_LIMITS = {
  /** EC2's own limits on a tag key and a tag value: anything longer did not come from EC2. */
  tagKey: 128,
  tagValue: 256,
  /** An instance's or an image's name (EC2 allows 128 for an AMI name, 256 for a Name tag value). */
  name: 256,
  /** A lab title: CML's UI keeps them short; room for long ones, not for a novel on every sweep. */
  labTitle: 256,
  /** A single word of state CML reports (lab state, license registration and authorization status). */
  status: 64,
  /** A sentence an upstream sent about a failure, kept in an error, a job's last error or an event. */
  message: 500,
} as const;

export type OutsideTextKind = keyof typeof OUTSIDE_TEXT_LIMITS;

/** What stands in for the part cut off when a text is longer than its bound. */
export const TRUNCATION_MARK = "…";

// ECMA-48 in its 7-bit (ESC + a byte) and 8-bit (one C1 character) forms; `\x1b` is ESC.
/** Command strings (DCS, SOS, OSC, PM, APC): anything up to BEL or ST, or up to the next ESC or the end. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const COMMAND_STRING = /(?:\x1b[PX\]^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/gu;
/** Control sequences (CSI): parameter bytes, intermediate bytes, a final byte (absent when malformed). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const CONTROL_SEQUENCE = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/gu;
/** Every other escape (ESC c resets the terminal, ESC ( B picks a charset) and a lone ESC. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/gu;
/** Controls that separate lines or columns: a space keeps the words apart on one line. */
const SEPARATING_CONTROLS = /[\t\n\v\f\r\x85\u2028\u2029]/gu;
/** Every remaining C0 and C1 control and DEL, and the bidi embeddings, overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const UNSAFE_CHARACTERS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/gu;
const LONE_SURROGATE = /\p{Cs}/gu;
/** A cheap first look: most text has none of what the replacements above look for. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const NEEDS_CLEANING = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function withoutControls(text: string): string {
  if (!NEEDS_CLEANING.test(text)) {
    return text;
  }
  return text
    .replace(COMMAND_STRING, "")
    .replace(CONTROL_SEQUENCE, "")
    .replace(OTHER_ESCAPE, "")
    .replace(SEPARATING_CONTROLS, " ")
    .replace(UNSAFE_CHARACTERS, "")
    .replace(LONE_SURROGATE, "\uFFFD");
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) {
    count += 1;
  }
  return count;
}

/**
 * The longest run of whole graphemes (a letter with its accents, an emoji with its modifiers) that fits
 * `maxLength` code points with the mark, so a cut never splits what a person reads as one character.
 */
function truncated(text: string, maxLength: number): string {
  const room = maxLength - codePointLength(TRUNCATION_MARK);
  let kept = "";
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = codePointLength(segment);
    if (used + size > room) {
      break;
    }
    kept += segment;
    used += size;
  }
  return `${kept}${TRUNCATION_MARK}`;
}

/** `text` as the fleet may keep, serve and draw it; idempotent: clean text comes back unchanged. */
export function cleanOutsideText(text: string, maxLength: number = OUTSIDE_TEXT_LIMITS.message): string {
  const normalized = withoutControls(text).normalize("NFC");
  if (codePointLength(normalized) <= maxLength) {
    return normalized;
  }
  return truncated(normalized, Math.max(maxLength, codePointLength(TRUNCATION_MARK))).normalize("NFC");
}

/** The same for a nullable field, with the bound of its kind. */
export function cleanOutsideTextOrNull(
  text: string | null | undefined,
  kind: OutsideTextKind,
): string | null {
  return text === null || text === undefined ? null : cleanOutsideText(text, OUTSIDE_TEXT_LIMITS[kind]);
}
