import { expect } from "vitest";
import { computeLayout, type TerminalSize } from "../../../src/components/layout";
import { displayWidth } from "../../../src/display-width";

/** The key line the workers view draws last (actions first, then help and quit). */
export const FOOTER = /^s start\s+x stop/;
/** Lines of a first frame that must be gone once the data they wait for has arrived. */
export const STALE_LINES = ["Loading workers…", "No events yet", "No workers yet"];

export interface WorkersFrame {
  /** The worker names in the table's rows, top to bottom (the first word of each row). */
  readonly names: readonly string[];
  /** Rows the table has for workers at this size (its header excluded). */
  readonly tableRows: number;
}

/**
 * Checks a captured screen of the workers view, at `size`, row by row against the layout the monitor
 * computes for that size: the two header lines, the column names, exactly as many worker rows as fit, the
 * event log under them, one status line, exactly one key line, and nothing below the frame (a stale line of
 * an earlier frame, or a wrapped one, lands there or breaks the order). Returns the table's names.
 */
export function expectWorkersFrame(
  screen: readonly string[],
  size: TerminalSize,
  totalWorkers: number,
): WorkersFrame {
  const layout = computeLayout(size, "workers", { kind: "none" }, true);
  const tableRows = layout.tableHeight - 1;
  const tableTop = 3;
  expect(screen.length, "more rows than the terminal has").toBeLessThanOrEqual(size.rows);
  for (const row of screen) {
    expect(displayWidth(row), `a row wider than the terminal: ${row}`).toBeLessThanOrEqual(size.columns);
  }
  expect(screen[0]).toMatch(/^cml-fleet ● live/);
  expect(screen[1]).toMatch(new RegExp(`^${totalWorkers} workers`));
  expect(screen[2]).toMatch(/^NAME\s+.*STATUS/);
  const table = screen.slice(tableTop, tableTop + tableRows);
  const names = table.map((row) => row.split(" ")[0] ?? "");
  expect(
    names.every((name) => name !== ""),
    `an empty table row:\n${table.join("\n")}`,
  ).toBe(true);
  // Every row's cells stand under their column names, whatever the width of the characters before them.
  const header = screen[2] ?? "";
  const statusColumn = displayWidth(header.slice(0, header.indexOf("STATUS")));
  for (const row of table) {
    const status = row.search(/ (RUNNING|STOPPED|PENDING|STOPPING) /) + 1;
    expect(displayWidth(row.slice(0, status)), `a row out of line with the header:\n${header}\n${row}`).toBe(
      statusColumn,
    );
  }
  if (layout.eventLogHeight > 0) {
    const logTop = tableTop + tableRows;
    expect(screen[logTop]).toBe("Events");
    for (const row of screen.slice(logTop + 1, logTop + layout.eventLogHeight)) {
      expect(row).toMatch(/^\d\d:\d\d:\d\d \S/);
    }
  }
  const footerRow = layout.frameHeight - 1;
  expect(screen[footerRow]).toMatch(FOOTER);
  expect(screen.filter((row) => FOOTER.test(row))).toHaveLength(1);
  expect(screen.filter((row) => /^NAME\s/.test(row))).toHaveLength(1);
  for (const row of screen.slice(layout.frameHeight)) {
    expect(row, "a line below the frame").toBe("");
  }
  for (const stale of STALE_LINES) {
    expect(screen.join("\n")).not.toContain(stale);
  }
  return { names, tableRows };
}

/** `names` are `expected` from some index on, consecutive and in order: every worker exactly once. */
export function expectConsecutive(names: readonly string[], expected: readonly string[]): number {
  const first = expected.indexOf(names[0] ?? "");
  expect(first, `the first row "${names[0]}" is not a worker`).toBeGreaterThanOrEqual(0);
  expect(names).toEqual(expected.slice(first, first + names.length));
  return first;
}
