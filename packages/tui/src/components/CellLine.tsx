import { Text } from "ink";
import type { ThemeColor } from "../theme";
import type { Cell } from "./worker-columns";

interface CellLineProps {
  readonly cells: readonly Cell[];
  readonly selected?: boolean;
  readonly bold?: boolean;
}

interface Run {
  readonly text: string;
  readonly color: ThemeColor | undefined;
}

/** Neighbouring cells of one colour become one span: fewer nodes for Ink to measure on every frame. */
function runsOf(cells: readonly Cell[], selected: boolean): Run[] {
  const runs: Run[] = [];
  for (const [index, cell] of cells.entries()) {
    const color = selected ? undefined : cell.color;
    const text = index > 0 ? ` ${cell.text}` : cell.text;
    const last = runs.at(-1);
    if (last && last.color === color) {
      runs[runs.length - 1] = { text: last.text + text, color };
    } else {
      runs.push({ text, color });
    }
  }
  return runs;
}

/** One table line: pre-fitted cells joined by a space, never wrapping. */
export function CellLine({ cells, selected = false, bold = false }: CellLineProps) {
  return (
    <Text wrap="truncate" inverse={selected} bold={bold}>
      {runsOf(cells, selected).map((run, index) => (
        // Runs are positional within the line: the index is their identity.
        <Text key={index} color={run.color}>
          {run.text}
        </Text>
      ))}
    </Text>
  );
}
