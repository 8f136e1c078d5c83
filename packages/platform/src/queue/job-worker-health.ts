import type { JobKind } from "@cml-fleet/core/domain/job";
import type { Redis } from "ioredis";

/** What a job process says about itself, refreshed while it runs (a key with a TTL per process). */
export interface JobProcessHeartbeat {
  readonly processId: string;
  readonly hostname: string;
  readonly pid: number;
  readonly queues: readonly JobKind[];
  readonly startedAt: string;
  readonly beatAt: string;
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
