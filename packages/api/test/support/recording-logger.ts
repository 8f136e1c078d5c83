import type { Logger } from "@cml-fleet/core/ports/logger.port";

type Level = "debug" | "info" | "warn" | "error";

/** What one logger call was given. */
export interface LogRecord {
  readonly level: Level;
  readonly obj: object;
  readonly msg: string | undefined;
}

/** A Logger that keeps every call (its children's too) for the test to read. */
export function recordingLogger(): Logger & {
  readonly records: LogRecord[];
  /** The records of one level, in order. */
  at(level: Level): LogRecord[];
} {
  const records: LogRecord[] = [];
  const record = (level: Level) => (obj: object, msg?: string) => {
    records.push({ level, obj, msg });
  };
  const logger = {
    records,
    at: (level: Level) => records.filter((entry) => entry.level === level),
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    child: () => logger,
  };
  return logger;
}
