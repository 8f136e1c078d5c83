import { type JobKind, SWEEP_KINDS, type SweepKind } from "@cml-fleet/core/domain/job";
import type { Redis } from "ioredis";
import { queueName } from "./queue-definitions";

/** What a job process says about itself, refreshed while it runs (a key with a TTL per process). */
export interface JobProcessHeartbeat {
  readonly processId: string;
  readonly hostname: string;
  readonly pid: number;
  readonly queues: readonly JobKind[];
  readonly startedAt: string;
  readonly beatAt: string;
  /** How often it beats (and, when it keeps the schedules, declares any that went missing again). */
  readonly intervalMs?: number | undefined;
  /** Whether it declares the sweeps' repeating schedules (and so heals them within a beat). */
  readonly keepsSchedules?: boolean | undefined;
}

export interface QueueHealth {
  readonly kind: JobKind;
  /** Job processes serving the queue right now. */
  readonly processes: number;
}

/** `keysPrefix` is `redisPrefixes(REDIS_KEY_PREFIX).keys`. */
export function heartbeatKey(keysPrefix: string, processId: string): string {
  return `${keysPrefix}job-process:${processId}`;
}

function isHeartbeat(value: unknown): value is JobProcessHeartbeat {
  return typeof value === "object" && value !== null && "processId" in value && "queues" in value;
}

/** Every live job process (those whose heartbeat has not expired). */
export async function readJobProcesses(redis: Redis, prefix: string): Promise<JobProcessHeartbeat[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", heartbeatKey(prefix, "*"), "COUNT", 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  if (keys.length === 0) {
    return [];
  }
  const values = await redis.mget(...keys);
  return values.flatMap((text) => {
    if (text === null) {
      return [];
    }
    const parsed: unknown = JSON.parse(text);
    return isHeartbeat(parsed) ? [parsed] : [];
  });
}

/** Per queue, how many live job processes serve it (0 means its jobs wait for nobody). */
export function queueHealth(
  processes: readonly JobProcessHeartbeat[],
  kinds: readonly JobKind[],
): QueueHealth[] {
  return kinds.map((kind) => ({
    kind,
    processes: processes.filter((process) => process.queues.includes(kind)).length,
  }));
}

/** Whether each sweep's repeating schedule is declared in Redis right now. */
export type SchedulePresence = ReadonlyMap<SweepKind, boolean>;

/** BullMQ's job scheduler hash of a sweep: `<prefix>:<queue>:repeat:<scheduler id>` (the id is the kind). */
export function scheduleKey(bullmqPrefix: string, kind: SweepKind): string {
  return `${bullmqPrefix}:${queueName(kind)}:repeat:${kind}`;
}

/**
 * Reads which sweep schedules exist, in one Redis round trip (a pipeline of
 * EXISTS). A Redis that restarted empty, or was flushed, has none until a job
 * process declares them again.
 */
export async function readSchedulePresence(redis: Redis, bullmqPrefix: string): Promise<SchedulePresence> {
  const pipeline = redis.pipeline();
  for (const kind of SWEEP_KINDS) {
    pipeline.exists(scheduleKey(bullmqPrefix, kind));
  }
  const answers = (await pipeline.exec()) ?? [];
  const presence = new Map<SweepKind, boolean>();
  SWEEP_KINDS.forEach((kind, index) => {
    const [error, value] = answers[index] ?? [new Error("no answer"), 0];
    if (error !== null) {
      throw error;
    }
    presence.set(kind, Number(value) === 1);
  });
  return presence;
}

/** The kinds whose schedule is missing, in the table's order. */
export function missingSchedules(presence: SchedulePresence): SweepKind[] {
  return SWEEP_KINDS.filter((kind) => presence.get(kind) !== true);
}
