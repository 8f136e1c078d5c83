import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { pino } from "pino";

export interface LoggerOptions {
  readonly level: string;
  readonly name: string;
}

/** JSON lines on stdout; pino's logger satisfies the core Logger port. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({ name: options.name, level: options.level });
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = pino({ level: "silent" });
