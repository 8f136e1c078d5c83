import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Schedule } from "@cml-fleet/core/domain/schedule";
import type { MemoryWorkerRepository } from "@cml-fleet/core/memory/memory-worker-repository";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { ScheduleStore, StartHistory } from "@cml-fleet/core/ports/schedule-store.port";

/** Nobody subscribes to a replay. */
export const silentPublisher: EventPublisher = {
  workerChanged: async () => {},
  fleetEvent: async () => {},
  jobUpdated: async () => {},
};

/**
 * A logger that refuses to be quiet about trouble: in a replay every port is
 * in memory, so a warning (an idle check that failed, a job that threw) means
 * the replay is wrong, and it ends the replay instead of skewing its figures.
 */
export function strictLogger(): Logger {
  const fail = (level: string) => (obj: object, msg?: string) => {
    const err = (obj as { err?: unknown }).err;
    const detail = err instanceof Error ? `: ${err.message}` : "";
    throw new Error(`the replayed fleet logged a ${level}: ${msg ?? "(no message)"}${detail}`);
  };
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: fail("warning"),
    error: fail("error"),
    child: () => logger,
  };
  return logger;
}

/** The schedules of a replay: read-only, as the evaluation and the idle check use them. */
export function memoryScheduleStore(schedules: readonly Schedule[]): Pick<ScheduleStore, "findByIds"> {
  return {
    findByIds: async (ids) => schedules.filter((schedule) => ids.includes(schedule.id)),
  };
}

/** How long a start may have taken to count (the Postgres history's bound too). */
const LONGEST_START_MS = 2 * 3_600_000;

/**
 * The fleet's start history from the replayed worker's own events, with the
 * Postgres repository's rule: each start asked (`worker.operation_requested`,
 * operation start) to the first AVAILABLE after it, with no other operation
 * asked in between; the most recent first.
 */
export function memoryStartHistory(repository: MemoryWorkerRepository): StartHistory {
  return {
    async startDurations(_region, _instanceType, limit) {
      const durations: number[] = [];
      let asked: FleetEvent | null = null;
      for (const event of repository.events) {
        if (event.type === "worker.operation_requested") {
          asked = event.data.operation === "start" ? event : null;
        } else if (
          asked !== null &&
          event.type === "worker.service_status_changed" &&
          event.data.to === "AVAILABLE" &&
          event.at > asked.at
        ) {
          const ms = event.at.getTime() - asked.at.getTime();
          if (ms < LONGEST_START_MS) {
            durations.push(ms);
          }
          asked = null;
        }
      }
      return durations.reverse().slice(0, limit);
    },
  };
}
