import { Box, Text } from "ink";
import { theme } from "../theme";
import { ALWAYS_SHOWN_COLUMN, COLUMN_CHOICES, type Column } from "./worker-columns";

export interface ColumnsPanelProps {
  readonly cursor: number;
  readonly hidden: ReadonlySet<string>;
  /** The columns the table draws now (a shown column may not fit the terminal's width). */
  readonly drawn: readonly Column[];
  readonly height: number;
}

/** The `:columns` chooser: every column, whether it is shown, and what it holds. */
export function ColumnsPanel({ cursor, hidden, drawn, height }: ColumnsPanelProps) {
  const drawnIds = new Set(drawn.map((column) => column.id));
  const rows = Math.max(0, height - 1);
  const first = Math.max(0, Math.min(cursor - rows + 1, COLUMN_CHOICES.length - rows));
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold color={theme.title} wrap="truncate">
        Columns (space toggles, esc closes; or :columns -cpu +region)
      </Text>
      {COLUMN_CHOICES.slice(first, first + rows).map((column, index) => {
        const shown = !hidden.has(column.id);
        const note =
          column.id === ALWAYS_SHOWN_COLUMN
            ? ""
            : shown && !drawnIds.has(column.id)
              ? "no room at this width: "
              : "";
        return (
          <Text key={column.id} wrap="truncate" inverse={first + index === cursor}>
            <Text color={shown ? theme.ok : theme.muted}>{shown ? "[x] " : "[ ] "}</Text>
            <Text bold>{column.id.padEnd(10)}</Text>
            <Text color={theme.muted}>{(column.title || "-").padEnd(18)}</Text>
            <Text color={theme.warning}>{note}</Text>
            <Text>{column.about}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
