import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { pino } from "pino";
import { logContextMixin } from "./log-context";

export interface LoggerOptions {
  readonly level: string;
  readonly name: string;
  /** A file to append JSON lines to instead of stdout (its directory is created). */
  readonly file?: string | undefined;
}

/** JSON lines on stdout (or a file); pino's logger satisfies the core Logger port. */
export function createLogger(options: LoggerOptions): Logger {
  // The mixin adds the current request or job id, and trace ids, to every line.
  const settings = { name: options.name, level: options.level, mixin: logContextMixin };
  return options.file === undefined
    ? pino(settings)
    : pino(settings, pino.destination({ dest: options.file, mkdir: true, sync: false }));
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = pino({ level: "silent" });
