import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { vi } from "vitest";

const run = promisify(execFile);

/** The monitor's bin, run by the same Node as the tests. */
export const MONITOR_BIN = fileURLToPath(new URL("../../../bin/cml-fleet-tui.js", import.meta.url));
/** What a test sets as the pane's title before the program starts: a changed title is a program's doing. */
export const INITIAL_PANE_TITLE = "cml-fleet-terminal-test";

export interface TmuxSessionOptions {
  /** The program and its arguments, run directly (no shell), e.g. `[process.execPath, MONITOR_BIN, ...]`. */
  readonly command: readonly string[];
  /** Extra environment of the program (secrets go here, not in `command`, which `ps` shows). */
  readonly env?: Readonly<Record<string, string>>;
  readonly columns: number;
  readonly rows: number;
  /** A file to copy every byte the program writes to (`pipe-pane`), to see what a failing test saw. */
  readonly outputLog?: string;
}

export interface WaitOptions {
  readonly timeoutMs?: number;
}

/**
 * A program running in a real terminal emulator: tmux, on a server of its own (its own socket, no user
 * configuration), so tests never touch a person's tmux nor each other's. tmux keeps what a terminal keeps
 * (the screen, the pane's title that OSC 0/2 sets, the clipboard buffers that OSC 52 fills), so a test can
 * see what the program really did to the terminal, not what it meant to draw.
 */
export interface TmuxSession {
  /** The visible screen as text, one string per row (trailing spaces trimmed by tmux). */
  screen(): Promise<string[]>;
  /** The screen with its colours and attributes as escape sequences (`capture-pane -e`). */
  screenWithAttributes(): Promise<string>;
  /** The pane's title: INITIAL_PANE_TITLE until a program sets it (OSC 0 or 2). */
  paneTitle(): Promise<string>;
  /** The paste buffers: OSC 52 writes one (the server runs with `set-clipboard on`). */
  pasteBuffers(): Promise<string[]>;
  /** Whether the program has exited (the pane stays, `remain-on-exit`, so its last screen can be read). */
  exited(): Promise<boolean>;
  /** tmux key names (`Enter`, `Escape`, `Tab`, `Down`, `C-c`), each sent as one key press. */
  pressKeys(...keys: string[]): Promise<void>;
  /** Text typed as it is (`send-keys -l`). */
  type(text: string): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  /** Waits until some row satisfies `match`; fails with the whole screen when it does not in time. */
  waitForRow(match: string | RegExp, options?: WaitOptions): Promise<string[]>;
  /** Kills the tmux server (and the program with it) and removes its socket and its configuration. */
  close(): Promise<void>;
}

/** Options every test server runs with: a crash leaves its screen; OSC 52 is taken, so it can be seen. */
const SERVER_CONFIGURATION = [
  "set -g remain-on-exit on",
  "set -g set-clipboard on",
  "set -g history-limit 0",
  "set -g status off",
  // The program asks for its colours by TERM; a common value keeps what it draws the same everywhere.
  'set -g default-terminal "xterm-256color"',
].join("\n");

/**
 * The environment of the tmux server, and so of the program: only what a terminal session has. Not the test
 * runner's: `CI` makes Ink draw nothing but the last frame, `TMUX` would point at a person's own tmux.
 */
function sessionEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
  };
}

function rowMatches(row: string, match: string | RegExp): boolean {
  return typeof match === "string" ? row.includes(match) : match.test(row);
}

export async function startTmuxSession(options: TmuxSessionOptions): Promise<TmuxSession> {
  const directory = await mkdtemp(join(tmpdir(), "cml-fleet-tmux-"));
  const configuration = join(directory, "tmux.conf");
  await writeFile(configuration, `${SERVER_CONFIGURATION}\n`);
  const socket = `cml-fleet-test-${process.pid}-${randomBytes(4).toString("hex")}`;
  const target = "monitor";
  const env = sessionEnvironment();
  const tmux = async (...args: string[]) => (await run("tmux", ["-L", socket, ...args], { env })).stdout;

  const envArgs = Object.entries(options.env ?? {}).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
  let socketPath: string | null = null;
  const discard = async () => {
    await tmux("kill-server").catch(() => undefined);
    // The server leaves its socket behind when it is killed.
    if (socketPath !== null) {
      await rm(socketPath, { force: true });
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    // The program waits for a key before it starts, so the title is set before it can write anything.
    await tmux(
      "-f",
      configuration,
      "new-session",
      "-d",
      "-s",
      target,
      "-x",
      String(options.columns),
      "-y",
      String(options.rows),
      ...envArgs,
      "--",
      "sh",
      "-c",
      'read -r _ && exec "$@"',
      "sh",
      ...options.command,
    );
    socketPath = (await tmux("display-message", "-p", "-t", target, "#{socket_path}")).trim();
    await tmux("select-pane", "-t", target, "-T", INITIAL_PANE_TITLE);
    if (options.outputLog !== undefined) {
      await tmux("pipe-pane", "-t", target, "-o", `cat > '${options.outputLog.replaceAll("'", "'\\''")}'`);
    }
    await tmux("send-keys", "-t", target, "Enter");
  } catch (error) {
    await discard();
    throw error;
  }

  const screen = async () => (await tmux("capture-pane", "-p", "-t", target)).replace(/\n$/, "").split("\n");

  return {
    screen,
    screenWithAttributes: () => tmux("capture-pane", "-p", "-e", "-t", target),
    paneTitle: async () => (await tmux("display-message", "-p", "-t", target, "#{pane_title}")).trimEnd(),
    pasteBuffers: async () =>
      (await tmux("list-buffers", "-F", "#{buffer_sample}")).split("\n").filter(Boolean),
    exited: async () => (await tmux("display-message", "-p", "-t", target, "#{pane_dead}")).trim() === "1",
    async pressKeys(...keys) {
      for (const key of keys) {
        await tmux("send-keys", "-t", target, key);
      }
    },
    async type(text) {
      await tmux("send-keys", "-t", target, "-l", text);
    },
    async resize(columns, rows) {
      await tmux("resize-window", "-t", target, "-x", String(columns), "-y", String(rows));
    },
    async waitForRow(match, waitOptions = {}) {
      let last: string[] = [];
      try {
        return await vi.waitFor(
          async () => {
            last = await screen();
            if (!last.some((row) => rowMatches(row, match))) {
              throw new Error(`no row matches ${String(match)}`);
            }
            return last;
          },
          { timeout: waitOptions.timeoutMs ?? 20_000, interval: 50 },
        );
      } catch (error) {
        throw new Error(`no row matched ${String(match)}; the screen was:\n${last.join("\n")}`, {
          cause: error,
        });
      }
    },
    close: discard,
  };
}
