import { ALWAYS_SHOWN_COLUMN, COLUMN_CHOICES } from "../components/worker-columns";

export type ColumnChange =
  | { readonly kind: "changed"; readonly hidden: ReadonlySet<string> }
  | { readonly kind: "refused"; readonly message: string };

const KNOWN = new Set(COLUMN_CHOICES.map((column) => column.id));
const NAMES = COLUMN_CHOICES.map((column) => column.id).join(" ");

/** Hides a shown column or shows a hidden one; the name column stays. */
export function toggleColumn(hidden: ReadonlySet<string>, id: string): ColumnChange {
  return applyColumnArguments(hidden, hidden.has(id) ? `+${id}` : `-${id}`);
}

/**
 * What `:columns -cpu +owner spark` asks: `-x` hides x, `+x` shows it, a bare `x` toggles it (spaces or
 * commas between). All or nothing: one unknown column refuses the whole line and changes nothing.
 */
export function applyColumnArguments(hidden: ReadonlySet<string>, text: string): ColumnChange {
  const next = new Set(hidden);
  for (const token of text.split(/[\s,]+/).filter(Boolean)) {
    const sign = token[0] === "-" || token[0] === "+" ? token[0] : null;
    const id = (sign ? token.slice(1) : token).toLowerCase();
    if (!KNOWN.has(id)) {
      return { kind: "refused", message: `No column "${token}" (columns: ${NAMES})` };
    }
    const hide = sign === "-" || (sign === null && !next.has(id));
    if (hide && id === ALWAYS_SHOWN_COLUMN) {
      return { kind: "refused", message: `The ${id} column is always shown` };
    }
    if (hide) {
      next.add(id);
    } else {
      next.delete(id);
    }
  }
  return { kind: "changed", hidden: next };
}

/** One line for the status line: what is hidden now. */
export function describeHidden(hidden: ReadonlySet<string>): string {
  const ids = COLUMN_CHOICES.map((column) => column.id).filter((id) => hidden.has(id));
  return ids.length === 0 ? "every column shown" : `hidden columns: ${ids.join(" ")}`;
}
