import { Text } from "ink";
import { Fragment } from "react";
import type { Cell } from "./worker-columns";

interface CellLineProps {
  readonly cells: readonly Cell[];
  readonly selected?: boolean;
  readonly bold?: boolean;
}

/** One table line: pre-fitted cells joined by a space, never wrapping. */
export function CellLine({ cells, selected = false, bold = false }: CellLineProps) {
  return (
    <Text wrap="truncate" inverse={selected} bold={bold}>
      {cells.map((cell, index) => (
        // Cells are positional: the column index is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Fragment key={index}>
          {index > 0 ? " " : ""}
          <Text color={selected ? undefined : cell.color}>{cell.text}</Text>
        </Fragment>
      ))}
    </Text>
  );
}
