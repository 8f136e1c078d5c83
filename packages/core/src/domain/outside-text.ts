import { printable } from "@cml-fleet/terminal-text/printable";

/**
 * What text written outside the fleet's trust boundary may hold once it is inside: lab titles and states,
 * license statuses and messages from a worker's CML, EC2 tags and names, the words of an upstream error.
 * Lab users, AWS account users and anyone who can answer on a worker's address write it, and it ends up in
 * the database, in the GraphQL API and in operators' terminals, where an escape sequence is an instruction
 * (OSC 0/2 retitles the window, OSC 52 writes the clipboard, CSI moves the cursor and erases the screen).
 *
 * Clean text is printable (@cml-fleet/terminal-text: no C0 or C1 control character, so no ESC and no NUL,
 * which Postgres refuses; no escape sequence left as visible garbage; no bidi embedding, override or
 * isolate; no lone surrogate), is in Unicode NFC (one spelling per text,
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

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

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
  const normalized = printable(text).normalize("NFC");
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
