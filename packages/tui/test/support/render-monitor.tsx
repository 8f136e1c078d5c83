import { render } from "ink-testing-library";
import { Monitor } from "../../src/Monitor";
import type { FakeFleetClient } from "./fake-fleet-client";
import { T0 } from "./fleet-factory";

export interface RenderOptions {
  readonly columns?: number;
  readonly rows?: number;
  readonly readonly?: boolean;
  readonly now?: number;
}

export const KEYS = {
  up: "\u001B[A",
  down: "\u001B[B",
  enter: "\r",
  escape: "\u001B",
  tab: "\t",
  backspace: "\u007F",
} as const;

/**
 * Renders the monitor against a fake client in a terminal of the given size
 * (ink-testing-library's stdout is 100 columns with no height; this sets both
 * and sends the resize event a real terminal would).
 */
export function renderMonitor(client: FakeFleetClient, options: RenderOptions = {}) {
  const now = options.now ?? T0;
  const result = render(
    <Monitor client={client} readonly={options.readonly ?? false} flushIntervalMs={5} clock={() => now} />,
  );
  resize(result.stdout, options.columns ?? 120, options.rows ?? 30);
  return {
    ...result,
    frame: () => result.lastFrame() ?? "",
    resize: (columns: number, rows: number) => resize(result.stdout, columns, rows),
    press: (input: string) => result.stdin.write(input),
  };
}

function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number) {
  Object.defineProperty(stdout, "columns", { value: columns, configurable: true });
  Object.defineProperty(stdout, "rows", { value: rows, configurable: true });
  stdout.emit("resize");
}
