import type { SortKey, SortOrder } from "../data/selectors";

export type View = "workers" | "jobs" | "audit" | "schedules" | "channels";
export type PromptPurpose = "filter" | "command" | "keep-alive";
/** What a confirmation asks about, with what the action needs once confirmed. */
export type Confirmation =
  | { readonly action: "stop" | "terminate" }
  /** The one lab to stop (null: every started lab). */
  | { readonly action: "stop-labs"; readonly lab?: { readonly id: string; readonly title: string } | null }
  | { readonly action: "keep-alive"; readonly ms: number }
  | { readonly action: "snapshot"; readonly description: string | null }
  /** The schedule to attach (null: detach). */
  | { readonly action: "schedule"; readonly schedule: { readonly id: string; readonly name: string } | null };
export type ConfirmableAction = Confirmation["action"];

export type Overlay =
  | { readonly kind: "none" }
  | { readonly kind: "help" }
  /** The `:columns` chooser; `cursor` indexes COLUMN_CHOICES. */
  | { readonly kind: "columns"; readonly cursor: number }
  | { readonly kind: "detail"; readonly workerId: string }
  | ({ readonly kind: "confirm"; readonly workerId: string; readonly workerName: string } & Confirmation)
  | {
      readonly kind: "prompt";
      readonly purpose: PromptPurpose;
      readonly text: string;
      /** The worker a keep-alive prompt is for. */
      readonly workerId: string | null;
    };

export interface Message {
  readonly text: string;
  readonly tone: "error" | "info";
}

export interface UiState {
  readonly view: View;
  readonly overlay: Overlay;
  /** Selection by id, so the cursor stays on the same worker while rows move. */
  readonly selectedWorkerId: string | null;
  readonly selectedJobId: string | null;
  readonly filter: string;
  readonly sort: SortOrder;
  readonly showEventLog: boolean;
  readonly message: Message | null;
  /** Column ids hidden with `:columns`. */
  readonly hiddenColumns: ReadonlySet<string>;
}

export type UiAction =
  | { readonly type: "select-worker"; readonly id: string | null }
  | { readonly type: "select-job"; readonly id: string | null }
  | { readonly type: "set-view"; readonly view: View }
  | { readonly type: "open"; readonly overlay: Overlay }
  | { readonly type: "close-overlay" }
  | { readonly type: "edit-prompt"; readonly text: string }
  | { readonly type: "set-filter"; readonly filter: string }
  | { readonly type: "sort-by"; readonly key: SortKey }
  | { readonly type: "toggle-event-log" }
  | { readonly type: "set-hidden-columns"; readonly hidden: ReadonlySet<string> }
  | { readonly type: "show-message"; readonly message: Message }
  | { readonly type: "clear-message" };

/** Keys whose interesting end is the top: busiest, longest idle, most expensive first. */
const DESCENDING_FIRST: ReadonlySet<SortKey> = new Set(["cpu", "idle", "cost"]);

export const initialUiState: UiState = {
  view: "workers",
  overlay: { kind: "none" },
  selectedWorkerId: null,
  selectedJobId: null,
  filter: "",
  sort: { key: "name", descending: false },
  showEventLog: true,
  message: null,
  hiddenColumns: new Set(),
};

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case "select-worker":
      return { ...state, selectedWorkerId: action.id };
    case "select-job":
      return { ...state, selectedJobId: action.id };
    case "set-view":
      return { ...state, view: action.view, overlay: { kind: "none" } };
    case "open":
      return { ...state, overlay: action.overlay };
    case "close-overlay":
      return { ...state, overlay: { kind: "none" } };
    case "edit-prompt":
      if (state.overlay.kind !== "prompt") {
        return state;
      }
      return {
        ...state,
        overlay: { ...state.overlay, text: action.text },
        // The filter applies as it is typed, as in k9s.
        filter: state.overlay.purpose === "filter" ? action.text : state.filter,
      };
    case "set-filter":
      return { ...state, filter: action.filter };
    case "sort-by":
      return {
        ...state,
        sort: {
          key: action.key,
          descending:
            state.sort.key === action.key ? !state.sort.descending : DESCENDING_FIRST.has(action.key),
        },
      };
    case "toggle-event-log":
      return { ...state, showEventLog: !state.showEventLog };
    case "set-hidden-columns":
      return { ...state, hiddenColumns: action.hidden };
    case "show-message":
      return { ...state, message: action.message };
    case "clear-message":
      return { ...state, message: null };
  }
}

/** The id `delta` rows away from the selected one in `ids`, clamped to the list. */
export function moveSelection(ids: readonly string[], current: string | null, delta: number): string | null {
  if (ids.length === 0) {
    return null;
  }
  const index = current === null ? -1 : ids.indexOf(current);
  const from = index === -1 ? 0 : index;
  const target = index === -1 ? 0 : Math.max(0, Math.min(ids.length - 1, from + delta));
  return ids[target] ?? null;
}
