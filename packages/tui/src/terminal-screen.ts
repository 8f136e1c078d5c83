const ENTER_ALTERNATE_SCREEN = "\u001B[?1049h\u001B[H";
const LEAVE_ALTERNATE_SCREEN = "\u001B[?1049l";
const SHOW_CURSOR = "\u001B[?25h";

export interface ScreenSession {
  /** Idempotent: safe from both the normal exit path and a crash handler. */
  restore(): void;
}

/**
 * Switches a TTY to the alternate screen so the monitor never scrolls the
 * user's shell, and gives back a way to put everything back (screen, cursor,
 * raw mode) however the process ends.
 */
export function enterAlternateScreen(stdout: NodeJS.WriteStream, stdin: NodeJS.ReadStream): ScreenSession {
  if (!stdout.isTTY) {
    return { restore: () => undefined };
  }
  stdout.write(ENTER_ALTERNATE_SCREEN);
  let restored = false;
  return {
    restore() {
      if (restored) {
        return;
      }
      restored = true;
      if (stdin.isTTY) {
        stdin.setRawMode(false);
      }
      stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
    },
  };
}
