import { Box, Text } from "ink";
import type { WorkerEntry } from "../data/fleet-reducer";
import { printable } from "../terminal-text";
import { theme } from "../theme";
import { CellLine } from "./CellLine";
import { type Column, headerCells, rowCells } from "./worker-columns";

export interface FleetTableProps {
  /** Only the rows in the scrolling window. */
  readonly rows: readonly WorkerEntry[];
  readonly columns: readonly Column[];
  readonly selectedId: string | null;
  readonly now: number;
  /** Lines available for the table, header included. */
  readonly height: number;
  readonly loaded: boolean;
  readonly filter: string;
}

export function FleetTable({ rows, columns, selectedId, now, height, loaded, filter }: FleetTableProps) {
  let empty: string | null = null;
  if (rows.length === 0) {
    if (!loaded) {
      empty = "Loading workers…";
    } else {
      empty = filter ? `No worker matches "${printable(filter)}"` : "No workers yet";
    }
  }
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <CellLine cells={headerCells(columns)} bold />
      {empty ? (
        <Text color={theme.muted}>{empty}</Text>
      ) : (
        rows.map((entry) => (
          <CellLine
            key={entry.worker.id}
            cells={rowCells(columns, entry, now)}
            selected={entry.worker.id === selectedId}
          />
        ))
      )}
    </Box>
  );
}
