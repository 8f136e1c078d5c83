import { systemActor } from "@cml-fleet/core/domain/actor";
import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Requester } from "@cml-fleet/core/domain/requester";
import type { TelemetryShardPayload } from "@cml-fleet/core/domain/telemetry-sweep-run";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import { createLifecycleService } from "@cml-fleet/core/services/lifecycle.service";
import { createWorkerSettingsService } from "@cml-fleet/core/services/worker-settings.service";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { afterAll, describe, expect, it } from "vitest";
import { useHarness } from "./support/fleet-harness";
import {
  loggingPublisher,
  runningWorkers,
  type ShardSweepFixture,
  shardSweepService,
} from "./support/shard-sweep-fixture";

/**
 * A shard's sweep saves its workers in one batch (issue 14, "batched UPSERTs"):
 * the telemetry-sweep service as the job process builds it, on the
 * simulator's EC2 and CML and a Postgres schema of its own, driven step by
 * step (plan the region, sweep a shard) so a test can count the statements a
 * shard sends and step into its save.
 */

const actor = systemActor("telemetry");
const alice: Requester = { id: "t1", name: "alice", role: "OPERATOR" };

/** The one shard of us-east-1 a service with room for every worker plans. */
async function onlyShard(
  fixture: ShardSweepFixture,
  fleet: { settings: { aws: { defaultAccount: string } } },
) {
  const shards = await fixture.service.planRegion({
    run: "test",
    accountId: fleet.settings.aws.defaultAccount,
    region: "us-east-1",
  });
  const [shard] = shards;
  if (shard === undefined || shards.length !== 1) {
    throw new Error(`expected one shard, planned ${shards.length}`);
  }
  return shard;
}

/** What people read of an event, without what differs between two workers and two moments. */
const readable = (event: FleetEvent) => ({
  type: event.type,
  message: event.message,
  reason: event.reason,
  actor: event.actor,
  data: event.data,
});

describe("a 250-worker shard's save", () => {
  const fleet = useHarness("shard-save", { jobWorkers: false }, 180_000);
  const fixtures: ShardSweepFixture[] = [];
  afterAll(() => {
    for (const fixture of fixtures) {
      fixture.close();
    }
  });
  const sweepWith = (workers: WorkerRepository, shardSize = 250) => {
    const { publisher, log } = loggingPublisher(fleet);
    const fixture = shardSweepService(fleet, { workers, publisher, shardSize });
    fixtures.push(fixture);
    return { ...fixture, log };
  };

  it("sends the same five statements for 250 workers as for 16, and lands every worker's telemetry", {
    timeout: 300_000,
  }, async () => {
    const workers = await runningWorkers(fleet, 250);
    const whole = sweepWith(fleet.workers);
    const slices = sweepWith(fleet.workers, 16);
    // The first sweep brings every worker's first figures, license and CML version (events for each).
    await whole.service.sweepShard(await onlyShard(whole, fleet));

    const shard = await onlyShard(whole, fleet);
    const forAll = await fleet.testDb.recordStatements(() => whole.service.sweepShard(shard));
    const [slice] = await slices.service.planRegion({
      run: "sliced",
      accountId: shard.accountId,
      region: shard.region,
    });
    if (slice === undefined) {
      throw new Error("no shard of 16 was planned");
    }
    const forSlice = await fleet.testDb.recordStatements(() => slices.service.sweepShard(slice));

    // The shard's read, begin, the batched UPDATE, commit, the samples' INSERT: no statement per worker
    // (the per-worker saves sent 1,002 for this shard: a read, begin, UPDATE and commit each).
    expect(forAll).toHaveLength(5);
    expect(forSlice).toHaveLength(forAll.length);
    expect(slice.looks.length).toBeLessThanOrEqual(16);
    for (const worker of workers) {
      const samples = await fleet.workers.recentTelemetry(worker.id, 5);
      expect(samples.map((sample) => sample.sampledAt)).toContainEqual(new Date(shard.observedAt));
      expect((await fleet.workers.findById(worker.id))?.version).toBeGreaterThanOrEqual(worker.version + 2);
    }
  });

  it("keeps a user's change made while the shard saves, and still lands that worker's telemetry", {
    timeout: 300_000,
  }, async () => {
    const [edited] = await runningWorkers(fleet, 1);
    if (edited === undefined) {
      throw new Error("no worker");
    }
    const batches: string[][] = [];
    let editedVersion = 0;
    const repository: WorkerRepository = {
      ...fleet.workers,
      // A user's change lands between the shard's read and its save: the batch finds the version moved.
      async saveMany(entries) {
        batches.push(entries.map((entry) => entry.worker.id));
        if (batches.length === 1) {
          const settings = createWorkerSettingsService({
            workers: fleet.workers,
            publisher: loggingPublisher(fleet).publisher,
            clock: systemClock,
            logger: silentLogger,
            jobs: fleet.queue,
          });
          const saved = await settings.setIdlePolicy(alice, edited.id, {
            enabled: false,
            thresholdMinutes: 45,
          });
          editedVersion = saved.version;
        }
        return fleet.workers.saveMany(entries);
      },
    };
    const sweep = sweepWith(repository, 1_024);
    const shard = await onlyShard(sweep, fleet);

    await sweep.service.sweepShard(shard);

    // The first batch holds every worker of the region; only the edited one is read again and saved again.
    expect(batches).toHaveLength(2);
    expect(batches[0]).toContain(edited.id);
    expect(batches[1]).toEqual([edited.id]);
    const stored = await fleet.workers.findById(edited.id);
    expect(stored?.idlePolicy).toEqual({ enabled: false, thresholdMinutes: 45 });
    expect(stored?.version).toBe(editedVersion + 1);
    expect(stored?.telemetry?.sampledAt).toEqual(new Date(shard.observedAt));
    const samples = await fleet.workers.recentTelemetry(edited.id, 5);
    expect(samples.map((sample) => sample.sampledAt)).toContainEqual(new Date(shard.observedAt));
  });

  it("writes and publishes the same events for a worker whose state moved as the per-worker path does", {
    timeout: 300_000,
  }, async () => {
    // Two twins whose CML answers while they are stored as UNAVAILABLE: each sweep of them moves the service.
    const [batched, single] = await runningWorkers(fleet, 2, { name: "twin", serviceStatus: "UNAVAILABLE" });
    if (batched === undefined || single === undefined) {
      throw new Error("no twins");
    }
    const labs = [{ id: "lab-1", title: "Routing", state: "STARTED", nodeCount: 3 }];
    for (const twin of [batched, single]) {
      await fleet.simJson(`/_sim/instances/${twin.instanceId}/cml`, {
        method: "PATCH",
        body: JSON.stringify({ ready: true, labs }),
      });
    }
    const sweep = sweepWith(fleet.workers, 1_024);
    const shard = await onlyShard(sweep, fleet);
    const alone: TelemetryShardPayload = {
      ...shard,
      looks: shard.looks.filter((look) => look.workerId === batched.id),
    };

    await sweep.service.sweepShard(alone);
    const { publisher, log } = loggingPublisher(fleet);
    // The per-worker path: a refresh (one read, the change, one versioned save, then its publish).
    const lifecycle = createLifecycleService({
      workers: fleet.workers,
      publisher,
      clock: systemClock,
      logger: silentLogger,
      cloud: sweep.cloud,
      cml: sweep.cml,
      sleep: async () => {},
      readiness: {
        cmlApiPort: fleet.sim.cmlPort,
        bootTimeoutMs: 60_000,
        cmlReadyTimeoutMs: 60_000,
        pollInitialMs: 100,
        pollMaxMs: 300,
      },
      licenseRegistration: { pollIntervalMs: 100, timeoutMs: 10_000 },
    });
    await lifecycle.refresh(single.id, actor, { report: async () => {} });

    const storedEvents = (worker: Worker) => fleet.workers.listEvents(worker.id, 50);
    const batchedEvents = await storedEvents(batched);
    expect((await fleet.workers.findById(batched.id))?.labs).toEqual(labs);
    expect((await fleet.workers.findById(single.id))?.labs).toEqual(labs);
    expect(batchedEvents.length).toBeGreaterThan(0);
    expect(batchedEvents.map(readable)).toEqual((await storedEvents(single)).map(readable));
    // Published: the worker once, then each of its events, as written.
    const published = (entries: { changed: Worker[]; events: FleetEvent[] }, worker: Worker) => ({
      changed: entries.changed
        .filter((changed) => changed.id === worker.id)
        .map((changed) => changed.serviceStatus),
      events: entries.events.filter((event) => event.workerId === worker.id).map(readable),
    });
    expect(published(sweep.log, batched)).toEqual(published(log, single));
    expect(published(sweep.log, batched)).toEqual({
      changed: ["AVAILABLE"],
      events: batchedEvents.map(readable).reverse(),
    });
  });

  it("leaves alone the workers a later sweep saved when an older shard job runs after it", {
    timeout: 300_000,
  }, async () => {
    const sweep = sweepWith(fleet.workers, 1_024);
    const older = await onlyShard(sweep, fleet);
    const later = await onlyShard(sweep, fleet);
    await sweep.service.sweepShard(later);
    const before = await fleet.workers.findByIds(later.looks.map((look) => look.workerId));

    const result = await sweep.service.sweepShard(older);

    expect(result.superseded).toBe(later.looks.length);
    expect(await fleet.workers.findByIds(later.looks.map((look) => look.workerId))).toEqual(before);
    for (const worker of before) {
      const samples = await fleet.workers.recentTelemetry(worker.id, 10);
      expect(samples.map((sample) => sample.sampledAt)).not.toContainEqual(new Date(older.observedAt));
    }
  });
});
