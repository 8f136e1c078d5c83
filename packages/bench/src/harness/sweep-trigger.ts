import { randomUUID } from "node:crypto";
import type { Database } from "@cml-fleet/platform/db/database";
import { readQueueSnapshot } from "@cml-fleet/platform/observability/queue-gauges";
import { queueName, redisPrefixes, SWEEP_JOB_OPTIONS } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { until } from "./stats";

/**
 * Sweeps as production runs them, triggered and timed from outside the job
 * processes: the runner adds a `telemetry-sweep` job to the fleet's queue
 * (what the schedule would add), and the sweep is over when every worker's
 * telemetry in Postgres was sampled after that moment. Whether one process
 * sweeps the whole fleet or the job fans out into shards that any process
 * takes, the runner sees the same thing a user of the fleet sees.
 */
export interface SweepTrigger {
  /** Adds a sweep job; resolves with the moment (Unix ms) taken just before it was added. */
  trigger(): Promise<number>;
  /** Whether no job of any kind waits or runs (a sweep's shards, last writes and follow-ups are done). */
  isQuiet(): Promise<boolean>;
  /** Waits until {@link isQuiet}. */
  quiet(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createSweepTrigger(redisUrl: string, keyPrefix: string): SweepTrigger {
  const prefixes = redisPrefixes(keyPrefix);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName("telemetry-sweep"), { connection, prefix: prefixes.bullmq });
  const isQuiet = async () => {
    const snapshot = await readQueueSnapshot(
      { redis: connection, bullmqPrefix: prefixes.bullmq, keysPrefix: prefixes.keys },
      Date.now(),
    );
    return [...snapshot.counts.values()].every((byState) => byState.waiting + byState.active === 0);
  };
  return {
    isQuiet,
    async trigger() {
      const at = Date.now();
      // A job id of its own (not the scheduler's), so no earlier sweep's job can absorb it.
      await queue.add("telemetry-sweep", {}, { ...SWEEP_JOB_OPTIONS, jobId: `bench-sweep-${randomUUID()}` });
      return at;
    },
    async quiet(timeoutMs) {
      await until("the job queues to be idle", isQuiet, timeoutMs, 100);
    },
    async close() {
      await queue.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

export interface SweptFleet {
  /** From the trigger to the moment every worker's telemetry was sampled after it. */
  readonly wallMs: number;
  readonly workers: number;
  /** Workers whose latest sample says their CML did not answer. */
  readonly cmlUnreachable: number;
  /** Workers the sweep ended without sampling (0 for a complete sweep). */
  readonly unsampled: number;
}

/**
 * Polls the workers table (every 100 ms: the resolution of the wall time)
 * until every worker a sweep covers (an instance, not TERMINATED or FAILED)
 * has `telemetry.sampledAt` at or after `triggeredAt`. A sweep whose jobs
 * all ended (the queues quiet on two polls in a row) with workers still not
 * sampled is over too: those workers are counted as unsampled rather than
 * waited for until the timeout.
 */
export async function waitForSweep(
  database: Database,
  schema: string,
  trigger: Pick<SweepTrigger, "isQuiet">,
  triggeredAt: number,
  timeoutMs: number,
): Promise<SweptFleet> {
  if (database.connection.kind !== "pg") {
    throw new Error("the sweep benchmark reads the workers table from Postgres");
  }
  const pool = database.connection.pool;
  const since = new Date(triggeredAt).toISOString();
  let quietBefore = false;
  return until(
    "every worker's telemetry to be sampled after the trigger",
    async () => {
      const { rows } = await pool.query<{ pending: string; unreachable: string; workers: string }>(
        `select count(*) filter (where telemetry is null or (telemetry->>'sampledAt')::timestamptz < $1::timestamptz) as pending,
                count(*) filter (where telemetry->>'cmlReachable' = 'false') as unreachable,
                count(*) as workers
           from "${schema}".workers
          where instance_id is not null and status not in ('TERMINATED', 'FAILED')`,
        [since],
      );
      const row = rows[0];
      if (row === undefined) {
        return null;
      }
      const pending = Number(row.pending);
      if (pending > 0) {
        const quiet = await trigger.isQuiet();
        const ended = quiet && quietBefore;
        quietBefore = quiet;
        if (!ended) {
          return null;
        }
      }
      return {
        wallMs: Date.now() - triggeredAt,
        workers: Number(row.workers),
        cmlUnreachable: Number(row.unreachable),
        unsampled: pending,
      };
    },
    timeoutMs,
    100,
  );
}
