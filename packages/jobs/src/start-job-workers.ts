import { randomUUID } from "node:crypto";
import { JOB_KINDS, type JobKind } from "@cml-fleet/core/domain/job";
import { readSchedulePresence } from "@cml-fleet/platform/queue/job-worker-health";
import { queueConcurrency, redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import type { Worker } from "bullmq";
import { Redis } from "ioredis";
import { createJobServices } from "./job-services.factory";
import type { JobWorkerDeps } from "./job-worker-deps";
import { applyTagsProcessor } from "./processors/apply-tags.processor";
import { convergeProcessor } from "./processors/converge.processor";
import { deregisterLicenseProcessor } from "./processors/deregister-license.processor";
import { idleCheckProcessor } from "./processors/idle-check.processor";
import { importProcessor } from "./processors/import.processor";
import type { JobServices } from "./processors/job-services";
import { notifyProcessor } from "./processors/notify.processor";
import { notifyTestProcessor } from "./processors/notify-test.processor";
import { priceRefreshProcessor } from "./processors/price-refresh.processor";
import { provisionProcessor } from "./processors/provision.processor";
import { rebootProcessor } from "./processors/reboot.processor";
import { reconcileProcessor } from "./processors/reconcile.processor";
import { refreshProcessor } from "./processors/refresh.processor";
import { registerLicenseProcessor } from "./processors/register-license.processor";
import { scheduleEvaluateProcessor } from "./processors/schedule-evaluate.processor";
import { snapshotProcessor } from "./processors/snapshot.processor";
import { startProcessor } from "./processors/start.processor";
import { stopProcessor } from "./processors/stop.processor";
import { stopAllLabsProcessor } from "./processors/stop-all-labs.processor";
import { stopLabProcessor } from "./processors/stop-lab.processor";
import { telemetryRegionProcessor } from "./processors/telemetry-region.processor";
import { telemetryShardProcessor } from "./processors/telemetry-shard.processor";
import { telemetrySweepProcessor } from "./processors/telemetry-sweep.processor";
import { terminateProcessor } from "./processors/terminate.processor";
import { createChildQueues } from "./runtime/child-jobs";
import { startHeartbeat } from "./runtime/heartbeat";
import { createIntentGate, withSettlement } from "./runtime/intent-check";
import type { JobDefinition } from "./runtime/job-definition";
import { createQueueWorker } from "./runtime/queue-worker";
import { createScheduleKeeper } from "./runtime/schedulers";
import { createWorkerLocks } from "./runtime/worker-lock";

export interface RunningJobWorkers {
  readonly processId: string;
  readonly kinds: readonly JobKind[];
  /** Closes the BullMQ workers (active jobs finish, or are handed back when they cannot), then Redis. */
  close(): Promise<void>;
}

/** One processor per job kind: the mapped type makes a kind added to the table fail to compile until it has one. */
const PROCESSORS: { readonly [K in JobKind]: (services: JobServices) => JobDefinition<K> } = {
  provision: provisionProcessor,
  start: startProcessor,
  stop: stopProcessor,
  terminate: terminateProcessor,
  refresh: refreshProcessor,
  "register-license": registerLicenseProcessor,
  "deregister-license": deregisterLicenseProcessor,
  "stop-lab": stopLabProcessor,
  "stop-all-labs": stopAllLabsProcessor,
  "apply-tags": applyTagsProcessor,
  reboot: rebootProcessor,
  snapshot: snapshotProcessor,
  import: importProcessor,
  "telemetry-sweep": telemetrySweepProcessor,
  "telemetry-region": telemetryRegionProcessor,
  "telemetry-shard": telemetryShardProcessor,
  "idle-check": idleCheckProcessor,
  "schedule-evaluate": scheduleEvaluateProcessor,
  reconcile: reconcileProcessor,
  converge: convergeProcessor,
  "price-refresh": priceRefreshProcessor,
  notify: notifyProcessor,
  "notify-test": notifyTestProcessor,
};

/**
 * Starts a BullMQ worker per served queue, the repeating schedules and the
 * heartbeat. The caller owns the database and the adapters in `deps` and
 * closes them after this.
 */
export async function startJobWorkers(deps: JobWorkerDeps): Promise<RunningJobWorkers> {
  const runtime = deps.runtime;
  const processId = randomUUID();
  const kinds = runtime.kinds ?? JOB_KINDS;
  const logger = deps.logger.child({ component: "job-workers", processId });
  // Workers wait for Redis to come back rather than fail their commands (BullMQ requires it).
  const connection = new Redis(runtime.redisUrl, {
    maxRetriesPerRequest: null,
    connectionName: `cml-fleet-jobs-${processId}`,
  });
  connection.on("error", (error) => logger.warn({ err: error }, "job worker Redis connection error"));
  const locks = createWorkerLocks(connection, runtime.prefix, runtime.workerLockTtlMs);
  // Where the sharded telemetry sweep's steps queue the steps under them.
  const children = createChildQueues(connection, runtime.prefix);
  const services = createJobServices(deps);
  // Each worker job checks the request it serves under the lock, and settles its outbox row (README, "Convergence").
  const intents = createIntentGate({
    operations: deps.operations,
    workers: deps.workers,
    clock: deps.clock,
    logger,
    commitGraceMs: runtime.intentCommitGraceMs ?? 30_000,
    recheckMs: runtime.intentRecheckMs ?? 250,
  });

  // The schedules are declared now and healed at every heartbeat (Redis may lose them); the gauge reads them.
  const schedules =
    runtime.schedules === null
      ? null
      : createScheduleKeeper(connection, runtime.prefix, runtime.schedules, logger);
  await schedules?.declareAll();
  if (schedules !== null) {
    deps.telemetry?.metrics.watchSchedules?.(() => readSchedulePresence(connection, runtime.prefix));
  }
  // Fired when the shutdown grace passes: the attempts still active hand their jobs back.
  const shutdown = new AbortController();
  const serve = <K extends JobKind>(kind: K): Worker =>
    createQueueWorker(withSettlement(PROCESSORS[kind](services), intents), {
      connection,
      prefix: runtime.prefix,
      concurrency: queueConcurrency(kind, runtime.concurrency),
      lockDurationMs: runtime.lockDurationMs,
      stalledIntervalMs: runtime.stalledIntervalMs,
      busyRetryDelayMs: runtime.busyRetryDelayMs,
      locks,
      publisher: deps.publisher,
      logger,
      telemetry: deps.telemetry,
      timeouts: runtime.timeouts,
      intents,
      shutdown: shutdown.signal,
      children,
      processName: `cml-fleet-jobs-${processId}`,
    });
  const workers: Worker[] = kinds.map(serve);
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  const heartbeat = startHeartbeat({
    redis: connection,
    prefix: redisPrefixes(runtime.prefix).keys,
    processId,
    queues: kinds,
    intervalMs: runtime.heartbeatIntervalMs,
    logger,
    tend: schedules === null ? undefined : async () => void (await schedules.heal()),
  });
  logger.info({ queues: kinds }, "job workers started");

  let closing: Promise<void> | null = null;
  return {
    processId,
    kinds,
    close() {
      closing ??= (async () => {
        await heartbeat.stop();
        await schedules?.close();
        await Promise.allSettled(
          workers.map((worker) => closeWithin(worker, runtime.shutdownGraceMs, () => shutdown.abort())),
        );
        await children.close();
        await connection.quit().catch(() => connection.disconnect());
        logger.info({}, "job workers closed");
      })();
      return closing;
    },
  };
}

/** How long abandoned attempts get to hand their jobs back before the process stops waiting for them. */
const ABANDON_WAIT_MS = 5_000;

/**
 * Lets active jobs finish for a while; past the grace, the attempts still
 * active are abandoned (`abandon`): each stops at its next guarded call and
 * its job is queued again at once for any process. An attempt stuck in a call
 * that ignores signals is left behind after a short wait; its lock lapses and
 * another process takes the job up as stalled. Both are safe because every
 * processor is idempotent. (BullMQ's `close(true)` cannot cut a graceful
 * close short: a second close returns the first one's promise.)
 */
async function closeWithin(worker: Worker, graceMs: number, abandon: () => void): Promise<void> {
  const graceful = worker.close();
  if (await settlesWithin(graceful, graceMs)) {
    return;
  }
  abandon();
  await settlesWithin(graceful, ABANDON_WAIT_MS);
}

/** Whether `promise` settles within `ms` (its outcome is not awaited past that). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}
