import type { SweepKind } from "@cml-fleet/core/domain/job";
import {
  missingSchedules,
  readJobProcesses,
  readSchedulePresence,
} from "@cml-fleet/platform/queue/job-worker-health";
import type { Redis } from "ioredis";
import type { ReadinessNote } from "./health";

export interface ScheduleReadinessDeps {
  readonly redis: Redis;
  /** BullMQ's prefix (REDIS_KEY_PREFIX), where the schedules live. */
  readonly bullmqPrefix: string;
  /** `redisPrefixes(REDIS_KEY_PREFIX).keys`, where the job processes' heartbeats live. */
  readonly keysPrefix: string;
  readonly now?: () => number;
}

/** When a heartbeat does not say its interval (an older job process): the job process's default. */
const DEFAULT_HEARTBEAT_MS = 5_000;

/**
 * The `schedules` check of /readyz. The sweeps' schedules live only in Redis;
 * a job process that keeps them declares any missing one again at every
 * heartbeat. So a schedule missing while such a process beats is normal for
 * up to a beat (Redis just lost its data): reported as a note, /readyz stays
 * 200. Missing for longer than two heartbeat intervals, the healing is not
 * working and the automation (telemetry, idle auto-stop, reconciliation) is
 * off: the check fails. With no job process keeping schedules there is
 * nothing to heal and nothing for the API to judge: the check passes (the
 * `cml_fleet_job_schedule_present` gauge still shows 0). The first time a
 * schedule is seen missing is kept in this process, so the age counts from
 * the first /readyz that saw it.
 */
export function createScheduleReadiness(
  deps: ScheduleReadinessDeps,
): () => Promise<ReadinessNote | undefined> {
  const now = deps.now ?? Date.now;
  const missingSince = new Map<SweepKind, number>();
  return async () => {
    const [processes, presence] = await Promise.all([
      readJobProcesses(deps.redis, deps.keysPrefix),
      readSchedulePresence(deps.redis, deps.bullmqPrefix),
    ]);
    const at = now();
    const missing = missingSchedules(presence);
    for (const kind of missingSince.keys()) {
      if (!missing.includes(kind)) {
        missingSince.delete(kind);
      }
    }
    for (const kind of missing) {
      if (!missingSince.has(kind)) {
        missingSince.set(kind, at);
      }
    }
    const keepers = processes.filter((process) => process.keepsSchedules === true);
    if (missing.length === 0 || keepers.length === 0) {
      return undefined;
    }
    const intervalMs = Math.max(...keepers.map((process) => process.intervalMs ?? DEFAULT_HEARTBEAT_MS));
    const graceMs = 2 * intervalMs;
    const longestMs = Math.max(...missing.map((kind) => at - (missingSince.get(kind) ?? at)));
    const what = `${missing.join(", ")} missing for ${Math.round(longestMs / 1000)}s`;
    if (longestMs > graceMs) {
      throw new Error(
        `${what}, longer than 2 heartbeat intervals (${graceMs / 1000}s) of the job processes that should declare them again`,
      );
    }
    return { note: `${what}; the job processes declare them again within a heartbeat` };
  };
}
