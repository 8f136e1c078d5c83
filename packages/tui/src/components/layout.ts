import type { Overlay, View } from "../ui-state/ui-reducer";

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

export interface Layout {
  readonly tooSmall: boolean;
  readonly width: number;
  /** Lines the frame may use: one fewer than the terminal, so Ink never scrolls or clears it. */
  readonly frameHeight: number;
  /** Lines between the header and the status line. */
  readonly mainHeight: number;
  /** Lines for the table, its header included. */
  readonly tableHeight: number;
  readonly eventLogHeight: number;
}

const HEADER = 2;
const STATUS_LINE = 1;
const FOOTER = 1;
export const MIN_COLUMNS = 30;
export const MIN_ROWS = 8;

export function computeLayout(
  size: TerminalSize,
  view: View,
  overlay: Overlay,
  showEventLog: boolean,
): Layout {
  const width = size.columns;
  const frameHeight = Math.max(1, size.rows - 1);
  const mainHeight = frameHeight - HEADER - STATUS_LINE - FOOTER;
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
  const paneRoom =
    view === "workers" &&
    overlay.kind !== "detail" &&
    overlay.kind !== "help" &&
    overlay.kind !== "columns" &&
    mainHeight >= 14;
  const eventLogHeight = showEventLog && paneRoom ? Math.min(10, Math.floor(mainHeight * 0.3)) : 0;
  return {
    tooSmall,
    width,
    frameHeight,
    mainHeight: Math.max(0, mainHeight),
    tableHeight: Math.max(0, mainHeight - eventLogHeight),
    eventLogHeight,
  };
}
