import type { Key } from "ink";
import type { SortKey } from "../data/selectors";
import type { ActionName } from "./permissions";
import type { PromptPurpose, UiState, View } from "./ui-reducer";

export type Command =
  | { readonly type: "move"; readonly delta: number }
  | { readonly type: "move-page"; readonly direction: 1 | -1 }
  | { readonly type: "move-to"; readonly edge: "first" | "last" }
  | { readonly type: "open-detail" }
  | { readonly type: "escape" }
  | { readonly type: "open-prompt"; readonly purpose: PromptPurpose }
  | { readonly type: "edit-prompt"; readonly text: string }
  | { readonly type: "submit-prompt" }
  | { readonly type: "sort"; readonly key: SortKey }
  | { readonly type: "action"; readonly action: ActionName }
  | { readonly type: "confirm"; readonly force: boolean }
  | { readonly type: "next-view" }
  | { readonly type: "set-view"; readonly view: View }
  | { readonly type: "toggle-event-log" }
  | { readonly type: "column-cursor"; readonly delta: number }
  | { readonly type: "toggle-column" }
  | { readonly type: "help" }
  | { readonly type: "quit" };

/** Shift+letter sorts, as in k9s. */
export const SORT_BINDINGS: Readonly<Record<string, SortKey>> = {
  N: "name",
  R: "region",
  S: "status",
  C: "cpu",
  I: "idle",
  P: "cost",
};

const WORKER_ACTION_KEYS: Readonly<Record<string, ActionName>> = {
  s: "start",
  x: "stop",
  t: "terminate",
  r: "refresh",
  K: "keep-alive",
};

function promptKey(text: string, input: string, key: Key): Command | null {
  if (key.escape) {
    return { type: "escape" };
  }
  if (key.return) {
    return { type: "submit-prompt" };
  }
  if (key.backspace || key.delete) {
    return { type: "edit-prompt", text: [...text].slice(0, -1).join("") };
  }
  if (key.ctrl && input === "u") {
    return { type: "edit-prompt", text: "" };
  }
  // Printable input only (a paste may bring several characters at once).
  if (input !== "" && !key.ctrl && !key.meta && !/[\p{Cc}]/u.test(input)) {
    return { type: "edit-prompt", text: text + input };
  }
  return null;
}

function movementKey(input: string, key: Key): Command | null {
  if (key.upArrow || input === "k") {
    return { type: "move", delta: -1 };
  }
  if (key.downArrow || input === "j") {
    return { type: "move", delta: 1 };
  }
  if (key.pageUp || (key.ctrl && input === "b")) {
    return { type: "move-page", direction: -1 };
  }
  if (key.pageDown || (key.ctrl && input === "f")) {
    return { type: "move-page", direction: 1 };
  }
  if (key.home || input === "g") {
    return { type: "move-to", edge: "first" };
  }
  if (key.end || input === "G") {
    return { type: "move-to", edge: "last" };
  }
  return null;
}

/** The `:columns` chooser: move, toggle with space or enter, close with esc or q. */
function columnsKey(input: string, key: Key): Command | null {
  if (key.upArrow || input === "k") {
    return { type: "column-cursor", delta: -1 };
  }
  if (key.downArrow || input === "j") {
    return { type: "column-cursor", delta: 1 };
  }
  if (input === " " || key.return) {
    return { type: "toggle-column" };
  }
  return key.escape || input === "q" ? { type: "escape" } : null;
}

/** What a key press means in the current state; null when it means nothing here. */
export function resolveKey(ui: UiState, input: string, key: Key): Command | null {
  if (key.ctrl && input === "c") {
    return { type: "quit" };
  }
  const { overlay } = ui;
  if (overlay.kind === "prompt") {
    return promptKey(overlay.text, input, key);
  }
  if (overlay.kind === "confirm") {
    if (input === "y" || key.return) {
      return { type: "confirm", force: false };
    }
    if (input === "f" && overlay.action === "terminate") {
      return { type: "confirm", force: true };
    }
    return input === "n" || key.escape || input === "q" ? { type: "escape" } : null;
  }
  if (overlay.kind === "columns") {
    return columnsKey(input, key);
  }
  if (overlay.kind === "help") {
    return key.escape || input === "?" || input === "q" ? { type: "escape" } : null;
  }
  if (key.escape) {
    return { type: "escape" };
  }
  if (input === "q") {
    return overlay.kind === "detail" ? { type: "escape" } : { type: "quit" };
  }
  if (input === "?") {
    return { type: "help" };
  }
  if (key.tab) {
    return { type: "next-view" };
  }
  if (input === ":") {
    return { type: "open-prompt", purpose: "command" };
  }
  if (ui.view === "audit" || ui.view === "schedules" || ui.view === "channels") {
    // A read-only page: no selection, no worker actions.
    return null;
  }
  const movement = overlay.kind === "detail" ? null : movementKey(input, key);
  if (movement) {
    return movement;
  }
  if (ui.view === "jobs") {
    return input === "r" || input === "R" ? { type: "action", action: "retry" } : null;
  }
  const action = WORKER_ACTION_KEYS[input];
  if (action) {
    return { type: "action", action };
  }
  if (overlay.kind === "detail") {
    return null;
  }
  if (key.return) {
    return { type: "open-detail" };
  }
  if (input === "/") {
    return { type: "open-prompt", purpose: "filter" };
  }
  if (input === "e") {
    return { type: "toggle-event-log" };
  }
  const sortKey = SORT_BINDINGS[input];
  return sortKey ? { type: "sort", key: sortKey } : null;
}
