/**
 * What of a text may reach a terminal: what a person reads, nothing a terminal obeys. Lab titles, EC2 tags,
 * worker names and upstream messages are written outside the fleet's trust boundary, and in a terminal an
 * escape sequence is an instruction (OSC 0/2 retitles the window, OSC 52 writes the clipboard, CSI moves the
 * cursor and erases the screen). Core cleans outside text with this as it comes in (and bounds and normalises
 * it); the monitor draws every text through it again, as it may be talking to an older API or another server.
 *
 * Printable text has no C0 or C1 control character (so no ESC and no NUL), no whole escape sequence left as
 * visible garbage, no bidi embedding, override or isolate (they reorder what an operator reads: the "Trojan
 * Source" spoofing), and no lone surrogate (no terminal can encode one). Printable text in any script, emoji
 * included, is kept as it is.
 */

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
/** A cheap first look: most text has none of it, and the monitor draws up to 15 frames a second. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const NEEDS_CLEANING = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

/** `text` without anything a terminal would obey; idempotent: printable text comes back unchanged. */
export function printable(text: string): string {
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
