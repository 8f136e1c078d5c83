/**
 * How the monitor asks Ink to draw, shared by the monitor and its CPU
 * benchmark so that the benchmark measures what operators run.
 */
export const MONITOR_RENDER_OPTIONS = {
  exitOnCtrlC: false,
  // Stream updates arrive 4 times a second; 15 fps is for keys, which should not wait for the next batch.
  maxFps: 15,
  // Not incremental: Ink 6.8's incremental renderer moves the cursor up one line too few over a frame that
  // ends with a newline (every frame shorter than the terminal, as ours always is), so in a real terminal
  // each frame lands a row low, stale rows stay and the screen scrolls (test/terminal shows it in tmux).
  // The whole frame is rewritten inside one synchronized update (DEC 2026), so it does not flicker.
  incrementalRendering: false,
} as const;
