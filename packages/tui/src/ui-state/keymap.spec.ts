import type { Key } from "ink";
import { describe, expect, it } from "vitest";
import { resolveKey } from "./keymap";
import { initialUiState, type Overlay, type UiState } from "./ui-reducer";

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

const key = (overrides: Partial<Key> = {}): Key => ({ ...NO_KEY, ...overrides });
const withOverlay = (overlay: Overlay): UiState => ({ ...initialUiState, overlay });

describe("resolveKey", () => {
  it("moves with arrows and j/k, and sorts with shift letters", () => {
    expect(resolveKey(initialUiState, "j", key())).toEqual({ type: "move", delta: 1 });
    expect(resolveKey(initialUiState, "", key({ upArrow: true }))).toEqual({ type: "move", delta: -1 });
    expect(resolveKey(initialUiState, "C", key({ shift: true }))).toEqual({ type: "sort", key: "cpu" });
  });

  it("maps the worker actions, with keep-alive on K since k moves up", () => {
    expect(resolveKey(initialUiState, "x", key())).toEqual({ type: "action", action: "stop" });
    expect(resolveKey(initialUiState, "K", key())).toEqual({ type: "action", action: "keep-alive" });
    expect(resolveKey(initialUiState, "k", key())).toEqual({ type: "move", delta: -1 });
  });

  it("retries on r in the jobs view instead of refreshing", () => {
    expect(resolveKey({ ...initialUiState, view: "jobs" }, "r", key())).toEqual({
      type: "action",
      action: "retry",
    });
  });

  it("feeds printable keys to an open prompt rather than to the table", () => {
    const prompt = withOverlay({ kind: "prompt", purpose: "filter", text: "ab", workerId: null });
    expect(resolveKey(prompt, "q", key())).toEqual({ type: "edit-prompt", text: "abq" });
    expect(resolveKey(prompt, "", key({ backspace: true }))).toEqual({ type: "edit-prompt", text: "a" });
    expect(resolveKey(prompt, "", key({ return: true }))).toEqual({ type: "submit-prompt" });
  });

  it("accepts only y, f (terminate) or a cancel in a confirmation", () => {
    const stop = withOverlay({ kind: "confirm", action: "stop", workerId: "w", workerName: "w" });
    const terminate = withOverlay({ kind: "confirm", action: "terminate", workerId: "w", workerName: "w" });
    expect(resolveKey(stop, "y", key())).toEqual({ type: "confirm", force: false });
    expect(resolveKey(stop, "f", key())).toBeNull();
    expect(resolveKey(terminate, "f", key())).toEqual({ type: "confirm", force: true });
    expect(resolveKey(stop, "x", key())).toBeNull();
    expect(resolveKey(stop, "n", key())).toEqual({ type: "escape" });
  });

  it("closes the detail pane on q rather than quitting", () => {
    expect(resolveKey(withOverlay({ kind: "detail", workerId: "w" }), "q", key())).toEqual({
      type: "escape",
    });
    expect(resolveKey(initialUiState, "q", key())).toEqual({ type: "quit" });
    expect(resolveKey(withOverlay({ kind: "detail", workerId: "w" }), "c", key({ ctrl: true }))).toEqual({
      type: "quit",
    });
  });
});
