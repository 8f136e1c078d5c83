import { randomUUID } from "node:crypto";
import {
  type AwsCloudProvider,
  createAwsCloudProvider,
} from "@cml-fleet/core/adapters/aws/create-aws-cloud-provider";
import { createCmlClient, type HttpCmlClient } from "@cml-fleet/core/adapters/cml/create-cml-client";
import { systemActor } from "@cml-fleet/core/domain/actor";
import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { ShardSweepResult } from "@cml-fleet/core/domain/telemetry-sweep-run";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { createWorker } from "@cml-fleet/core/domain/worker-changes";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import {
  createTelemetrySweepService,
  type TelemetrySweepService,
} from "@cml-fleet/core/services/telemetry-sweep.service";
import { workers as workersTable } from "@cml-fleet/platform/db/schema/workers";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { createRedisEventPublisher } from "@cml-fleet/platform/pubsub/redis-event-publisher";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { toNewWorkerRow } from "@cml-fleet/platform/repositories/worker-row.mapper";
import { Queue } from "bullmq";
import { expect, vi } from "vitest";
import { type RunningJobProcess, startJobProcess } from "../../src/job-process";
import { FAST_RUNTIME, type FleetHarness, PATIENCE } from "./fleet-harness";

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
}

/**
 * `count` running simulator instances in us-east-1 (with detailed monitoring
 * when asked), adopted as RUNNING workers (AVAILABLE unless `overrides` say
 * otherwise) in one multi-row insert per thousand, so a test has a fleet of
 * thousands without provisioning them (one insert each would take minutes).
 */
export async function runningWorkers(
  fleet: FleetHarness,
  count: number,
  overrides: Partial<Worker> = {},
  launch: { readonly detailedMonitoring?: boolean } = {},
): Promise<Worker[]> {
  const created = await fleet.simJson<SimInstance[]>("/_sim/instances", {
    method: "POST",
    body: JSON.stringify({
      region: "us-east-1",
      tags: { "cml-fleet:managed": "true" },
      count,
      detailedMonitoring: launch.detailedMonitoring ?? false,
    }),
  });
  const ids = new Set(created.map((instance) => instance.instanceId));
  const running = await vi.waitFor(
    async () => {
      const all = (await fleet.simJson<SimInstance[]>("/_sim/instances")).filter((instance) =>
        ids.has(instance.instanceId),
      );
      expect(all.filter((instance) => instance.state !== "running")).toEqual([]);
      return all;
    },
    { ...PATIENCE, timeout: 120_000 },
  );
  await cmlReady(
    fleet,
    running.map((instance) => instance.instanceId),
  );
  const image = fleet.settings.worker.images["us-east-1"];
  if (image === undefined) {
    throw new Error("no image for us-east-1");
  }
  const workers = running.map((instance, index): Worker => {
    const { worker } = createWorker({
      id: randomUUID(),
      name: `worker-${index}-${instance.instanceId}`,
      accountId: fleet.settings.aws.defaultAccount,
      region: "us-east-1",
      instanceType: fleet.settings.worker.defaultInstanceType,
      image,
      amiId: null,
      tags: {},
      idempotencyKey: null,
      createdBy: "test",
      actor: systemActor("bootstrap"),
      now: new Date(),
    });
    return {
      ...worker,
      instanceId: instance.instanceId,
      publicIp: instance.publicIp,
      privateIp: instance.privateIp,
      endpoint: `https://${instance.publicIp}:${fleet.sim.cmlPort}`,
      status: "RUNNING",
      serviceStatus: "AVAILABLE",
      ...overrides,
    };
  });
  for (let start = 0; start < workers.length; start += 1_000) {
    await fleet.testDb.db
      .insert(workersTable)
      .values(workers.slice(start, start + 1_000).map(toNewWorkerRow));
  }
  return workers;
}

/**
 * Waits until every instance's CML listens and is ready: the simulator makes it
 * so a while after the instance runs (cmlReadyDelayMs), and a sweep before that
 * would find healthy workers unreachable.
 */
async function cmlReady(fleet: FleetHarness, instanceIds: readonly string[]): Promise<void> {
  let waiting = [...instanceIds];
  await vi.waitFor(
    async () => {
      const still: string[] = [];
      for (let start = 0; start < waiting.length; start += 100) {
        const batch = waiting.slice(start, start + 100);
        const views = await Promise.all(
          batch.map((id) =>
            fleet.simJson<{ readonly ready: boolean; readonly listening: boolean }>(
              `/_sim/instances/${id}/cml`,
            ),
          ),
        );
        still.push(
          ...batch.filter((_, index) => views[index]?.ready !== true || views[index]?.listening !== true),
        );
      }
      waiting = still;
      expect(waiting).toEqual([]);
    },
    { ...PATIENCE, timeout: 120_000 },
  );
}

/** What a publisher was asked to publish, in order; each call also goes to Redis as the job process's does. */
export interface PublishedLog {
  readonly changed: Worker[];
  readonly events: FleetEvent[];
}

/** The real Redis publisher, with a log of what it was asked to publish (to compare two write paths). */
export function loggingPublisher(fleet: FleetHarness): { publisher: EventPublisher; log: PublishedLog } {
  const redis = createRedisEventPublisher(fleet.pubsub);
  const log: PublishedLog = { changed: [], events: [] };
  return {
    log,
    publisher: {
      async workerChanged(worker) {
        log.changed.push(worker);
        await redis.workerChanged(worker);
      },
      async fleetEvent(event) {
        log.events.push(event);
        await redis.fleetEvent(event);
      },
      jobUpdated: (job) => redis.jobUpdated(job),
    },
  };
}

export interface ShardSweepFixture {
  readonly service: TelemetrySweepService;
  readonly cloud: AwsCloudProvider;
  readonly cml: HttpCmlClient;
  close(): void;
}

/**
 * The telemetry sweep service as the job process builds it (the AWS and CML
 * adapters against the harness's simulator, the harness's Postgres), with the
 * worker repository and publisher a test gives, so it can count the
 * statements a shard sends and step into its save.
 */
export function shardSweepService(
  fleet: FleetHarness,
  options: { workers: WorkerRepository; publisher: EventPublisher; shardSize: number },
): ShardSweepFixture {
  const cloud = createAwsCloudProvider({
    accounts: { [fleet.settings.aws.defaultAccount]: {} },
    staticCredentials: { accessKeyId: "sim", secretAccessKey: "sim" },
    endpoints: { ec2: fleet.sim.url, cloudwatch: fleet.sim.url },
    maxAttempts: 1,
    logger: silentLogger,
  });
  const cml = simCmlClient(fleet);
  const service = createTelemetrySweepService({
    workers: options.workers,
    publisher: options.publisher,
    clock: systemClock,
    logger: silentLogger,
    cloud,
    cml,
    sweep: {
      cmlApiPort: fleet.sim.cmlPort,
      cmlConcurrency: 32,
      perWorkerTimeoutMs: 20_000,
      metricWindowMs: 600_000,
      metricPeriodSeconds: 60,
      retentionMs: null,
      shardSize: options.shardSize,
    },
  });
  return {
    service,
    cloud,
    cml,
    close() {
      cloud.close();
      cml.close();
    },
  };
}

/** A second job process on the harness's settings, schema and Redis prefix (the harness starts the first). */
export async function secondJobProcess(fleet: FleetHarness, runtime = {}): Promise<RunningJobProcess> {
  return startJobProcess({
    settings: fleet.settings,
    databaseSchema: fleet.testDb.schema,
    runtime: { ...FAST_RUNTIME, ...runtime },
  });
}

/** The shard jobs that completed (every run's), with the process that took each and what it answered. */
export async function completedShards(fleet: FleetHarness) {
  const queue = new Queue(queueName("telemetry-shard"), { connection: fleet.redis, prefix: fleet.keyPrefix });
  try {
    const jobs = await queue.getJobs(["completed"], 0, -1);
    return jobs.map((job) => ({
      processedBy: job.processedBy ?? null,
      result: job.returnvalue as ShardSweepResult | { readonly skipped: string },
    }));
  } finally {
    await queue.close();
  }
}

/** A CML client of the test's own on the harness's service account (close it after use), as an operator's script would have. */
export function simCmlClient(fleet: FleetHarness): HttpCmlClient {
  return createCmlClient({
    username: fleet.settings.cml.username,
    password: fleet.settings.cml.password,
    tls: { verify: false },
    requestTimeoutMs: 10_000,
    logger: silentLogger,
  });
}
