import { Writable } from "node:stream";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { pino } from "pino";
import { logContextMixin } from "../../src/observability/log-context";

/** One JSON line a pino logger wrote. */
export interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly [key: string]: unknown;
}

export interface CapturingLogger<Line extends LogLine> {
  /** A pino logger with the process's log context mixed in, as the processes build theirs. */
  readonly logger: Logger;
  /** Every line written so far, parsed. */
  readonly lines: Line[];
  /** The same lines as written (to see how often a key appears in one). */
  readonly raw: string[];
}

/** A real pino logger whose lines stay in memory for the test to read. */
export function capturingLogger<Line extends LogLine = LogLine>(level = "debug"): CapturingLogger<Line> {
  const lines: Line[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level, mixin: logContextMixin },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n")) {
          if (line.trim() !== "") {
            raw.push(line);
            lines.push(JSON.parse(line) as Line);
          }
        }
        done();
      },
    }),
  );
  return { logger, lines, raw };
}
