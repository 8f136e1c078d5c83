import stringWidth from "string-width";

/**
 * How many terminal columns text takes, and text that every terminal draws at that width.
 *
 * Ink measures, truncates and wraps with string-width (this same package and version), which reads a
 * grapheme cluster as one glyph: an emoji ZWJ sequence (👩‍💻), a skin tone (👍🏽) or an emoji presentation
 * selector (❤️) is 2 columns. Many terminals (tmux among them, and any terminal that measures code point by
 * code point with wcwidth) draw the same cluster wider or narrower: 👩‍💻 as 4 columns, 👍🏽 as 4. A row Ink
 * believes fits is then wider than the terminal, wraps, and pushes every later row down: the stale and
 * duplicated rows of issue 18. So a cluster whose two readings disagree is drawn as its first code point
 * alone, on which every terminal agrees; CJK (2 columns) and combining marks (0) are kept as they are.
 */

const segmenter = new Intl.Segmenter();
/** Printable ASCII: one column per character, nothing to look up (most of what the monitor draws). */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
/** Marks a cluster keeps at most: a terminal stores only a few per cell (tmux drops a cell's later ones). */
const MAX_MARKS_PER_CLUSTER = 3;

function codePointSum(cluster: string): number {
  let sum = 0;
  for (const codePoint of cluster) {
    sum += stringWidth(codePoint);
  }
  return sum;
}

/** One grapheme cluster as every terminal draws it the same width as Ink measures it. */
function agreeableCluster(cluster: string): string {
  if (cluster.length === 1) {
    return cluster;
  }
  const codePoints = [...cluster];
  const first = codePoints[0] ?? "";
  if (stringWidth(cluster) !== codePointSum(cluster)) {
    return first;
  }
  // Combining marks stacked without end ("Zalgo" text): the first few are kept.
  return codePoints.length > MAX_MARKS_PER_CLUSTER + 1
    ? codePoints.slice(0, MAX_MARKS_PER_CLUSTER + 1).join("")
    : cluster;
}

/** `text` (already printable) with every grapheme cluster drawn the same width by Ink and the terminal. */
export function terminalAgreeable(text: string): string {
  if (PLAIN_ASCII.test(text)) {
    return text;
  }
  let out = "";
  for (const { segment } of segmenter.segment(text)) {
    out += agreeableCluster(segment);
  }
  return out;
}

/** The columns `text` takes in a terminal (text from `terminalAgreeable`). */
export function displayWidth(text: string): number {
  return PLAIN_ASCII.test(text) ? text.length : stringWidth(text);
}

/**
 * `text` cut to at most `width` columns, whole clusters only (a wide character that would straddle the
 * edge is left out), with its width.
 */
export function takeColumns(text: string, width: number): { readonly text: string; readonly width: number } {
  if (PLAIN_ASCII.test(text)) {
    const cut = text.slice(0, Math.max(0, width));
    return { text: cut, width: cut.length };
  }
  let out = "";
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const columns = stringWidth(segment);
    if (used + columns > width) {
      break;
    }
    out += segment;
    used += columns;
  }
  return { text: out, width: used };
}
