/**
 * The one gate between what the API sends and what the monitor writes to a terminal. Lab titles, EC2 tags,
 * worker names, event messages and job errors are written by people outside the fleet's trust boundary;
 * the fleet cleans them as they come in, but the monitor may be talking to an older API or another server,
 * so it cleans them again before Ink draws them: in a terminal an escape sequence is an instruction
 * (OSC 0/2 retitles the window, OSC 52 writes the clipboard, CSI moves the cursor and erases the screen).
 *
 * The grammar is the fleet's (core's `domain/outside-text.ts`); the monitor imports nothing of the fleet
 * but its duration grammar, so it holds its own copy of the part that matters to a terminal.
 */

// ECMA-48 in its 7-bit (ESC + a byte) and 8-bit (one C1 character) forms; `\x1b` is ESC.
/** Command strings (DCS, SOS, OSC, PM, APC): anything up to BEL or ST, or up to the next ESC or the end. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const COMMAND_STRING = /(?:\x1b[PX\]^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/gu;
/** Control sequences (CSI): parameter bytes, intermediate bytes, a final byte (absent when malformed). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const CONTROL_SEQUENCE = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/gu;
/** Every other escape (ESC c resets the terminal) and a lone ESC. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/gu;
/** Line and column breaks: a row is one line, so a space keeps the words apart. */
const SEPARATING_CONTROLS = /[\t\n\v\f\r\x85\u2028\u2029]/gu;
/** Every remaining C0 and C1 control and DEL, and the bidi embeddings, overrides and isolates (spoofing). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const UNSAFE_CHARACTERS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/gu;
/** Lone surrogates: no terminal can encode them; they become U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/gu;
/** Most text has none of it: the monitor draws up to 15 frames a second, so the common case costs one test. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const NEEDS_CLEANING = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

/** `text` as the monitor may write it to a terminal: what a person reads, nothing a terminal obeys. */
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

/** The same for an optional field, with what to show when it is absent. */
export function printableOr(text: string | null | undefined, absent: string): string {
  return text === null || text === undefined ? absent : printable(text);
}
