/**
 * The one gate between what the API sends and what the monitor writes to a terminal: every string the
 * monitor draws (worker names, tags, lab titles, event messages, job errors) passes `printable` first.
 * The fleet cleans outside text as it comes in, but the monitor may be talking to an older API or another
 * server. The grammar is @cml-fleet/terminal-text's, the same core cleans with; on top of it, every grapheme
 * cluster is one the terminal draws as wide as Ink measures it (display-width.ts), so no line wraps.
 */
import { printable as withoutControls } from "@cml-fleet/terminal-text/printable";
import { terminalAgreeable } from "./display-width";

/** `text` with nothing a terminal obeys, and drawn exactly as wide as Ink measures it. */
export function printable(text: string): string {
  return terminalAgreeable(withoutControls(text));
}

/** The same for an optional field, with what to show when it is absent. */
export function printableOr(text: string | null | undefined, absent: string): string {
  return text === null || text === undefined ? absent : printable(text);
}
