import { createHmac } from "node:crypto";
import { systemActor } from "@cml-fleet/core/domain/actor";
import type { NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import type { NotificationQueue } from "@cml-fleet/core/ports/notification-queue.port";
import type { PendingDelivery } from "@cml-fleet/core/ports/notification-store.port";
import { createNotificationChannelService } from "@cml-fleet/core/services/notification-channel.service";
import {
  createNotificationRelay,
  DEFAULT_RELAY_CONFIG,
} from "@cml-fleet/core/services/notification-relay.service";
import { createBullmqNotificationQueue } from "@cml-fleet/platform/queue/notification-queue";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { createNotificationRepository } from "@cml-fleet/platform/repositories/notification.repository";
import { Queue } from "bullmq";
import { describe, expect, it, vi } from "vitest";
import { provisionWorkers, runOnce, SECOND_LONG_IDLE } from "./support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";
import { useWebhookReceiver } from "./support/webhook-receiver";

const admin = { id: "t-admin", name: "admin", role: "ADMIN" as const };
const SECRET = "receiver-shared-secret";

/** Short retries for the test; the production default (5 s doubling, 10 attempts) is checked in core's notify-settings spec. */
const NOTIFY_ENV = {
  NOTIFY_ALLOW_HTTP: "true",
  NOTIFY_RETRY_BACKOFF: "100ms",
  NOTIFY_ATTEMPTS: "6",
  NOTIFY_RELAY_INTERVAL: "200ms",
  NOTIFY_DELIVERY_TIMEOUT: "2s",
};

function channels(fleet: FleetHarness) {
  const store = createNotificationRepository(fleet.testDb.db);
  const service = createNotificationChannelService({
    store,
    jobs: fleet.queue,
    testWaitMs: 10_000,
    audit: createAuditRepository(fleet.testDb.db),
    clock: systemClock,
    newId: () => crypto.randomUUID(),
    allowHttp: true,
  });
  return { store, service };
}

function sign(body: string): string {
  return `sha256=${createHmac("sha256", SECRET).update(body, "utf8").digest("hex")}`;
}

function typeOf(body: string): string {
  return (JSON.parse(body) as { type: string }).type;
}

async function writeEvent(fleet: FleetHarness, worker: Worker, message: string): Promise<void> {
  const current = (await fleet.workers.findById(worker.id)) ?? expect.unreachable();
  const event: NewFleetEvent = {
    type: "worker.keep_alive",
    workerId: worker.id,
    at: new Date(),
    message,
    reason: null,
    actor: systemActor("bootstrap"),
    data: {},
  };
  await fleet.workers.save(current, [event]);
}

describe("notifications from a running fleet", () => {
  const fleet = useHarness("notify", { env: { ...SECOND_LONG_IDLE, ...NOTIFY_ENV } });
  const receiver = useWebhookReceiver();

  it("delivers the signed idle warning, with how to keep the worker, before the stop it announces; a filtered Slack channel gets only the stop", {
    timeout: 240_000,
  }, async () => {
    const { service, store } = channels(fleet);
    const signed = await service.create(admin, {
      name: "ops",
      url: receiver.url("/ops"),
      events: ["worker.idle_warning", "worker.auto_stopped", "worker.status_changed"],
      secret: SECRET,
    });
    await service.create(admin, {
      name: "slack",
      url: receiver.url("/slack"),
      format: "SLACK",
      events: ["worker.auto_stopped"],
    });
    expect(signed).toMatchObject({ signed: true, format: "JSON" });
    expect(JSON.stringify(await store.listChannels())).not.toContain(SECRET);

    const [worker] = await provisionWorkers(fleet, ["notified"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    await vi.waitFor(
      async () => {
        await runOnce(fleet, "telemetry-sweep");
        await runOnce(fleet, "idle-check");
        const current = await fleet.workers.findById(worker.id);
        expect(current?.status).toBe("STOPPED");
      },
      { ...PATIENCE, timeout: 180_000 },
    );
    const ops = await vi.waitFor(() => {
      const got = receiver.at("/ops").map((delivery) => ({ ...delivery, type: typeOf(delivery.body) }));
      expect(got.map((delivery) => delivery.type)).toContain("worker.auto_stopped");
      const stoppedAt = got.findIndex(
        (delivery) => delivery.type === "worker.status_changed" && delivery.body.includes('"STOPPED"'),
      );
      expect(stoppedAt).toBeGreaterThan(-1);
      return got;
    }, PATIENCE);

    const types = ops.map((delivery) => delivery.type);
    const warning = types.indexOf("worker.idle_warning");
    expect(warning).toBeGreaterThan(-1);
    expect(warning).toBeLessThan(types.indexOf("worker.auto_stopped"));
    const stopping = ops.findIndex(
      (delivery) => delivery.type === "worker.status_changed" && delivery.body.includes('"STOPPING"'),
    );
    expect(warning).toBeLessThan(stopping);
    for (const delivery of ops) {
      expect(delivery.headers["x-cml-fleet-signature"]).toBe(sign(delivery.body));
      expect(delivery.headers["x-cml-fleet-event"]).toBe(delivery.type);
      expect(delivery.headers["x-cml-fleet-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    }
    const warned = JSON.parse(ops[warning]?.body ?? "{}") as Record<string, unknown>;
    expect(warned).toMatchObject({
      workerId: worker.id,
      workerName: "notified",
      type: "worker.idle_warning",
    });
    expect(warned.message).toMatch(/will be stopped at \d{4}-.*keepAlive\(id: ".*press K/);

    const slack = await vi.waitFor(() => {
      const got = receiver.at("/slack");
      expect(got.length).toBeGreaterThan(0);
      return got;
    }, PATIENCE);
    expect(slack.map((delivery) => delivery.headers["x-cml-fleet-event"])).toEqual(["worker.auto_stopped"]);
    const text = (JSON.parse(slack[0]?.body ?? "{}") as { text: string }).text;
    expect(Object.keys(JSON.parse(slack[0]?.body ?? "{}"))).toEqual(["text"]);
    expect(text).toContain("notified was stopped as idle");
    expect(slack[0]?.headers["x-cml-fleet-signature"]).toBeUndefined();
  });

  it("retries a receiver that fails three times and delivers once, under one delivery id", {
    timeout: 120_000,
  }, async () => {
    const { service, store } = channels(fleet);
    const flaky = await service.create(admin, {
      name: "flaky",
      url: receiver.url("/flaky"),
      events: ["worker.keep_alive"],
    });
    receiver.plan("/flaky", [500, 503, 502]);
    const worker = await fleet.createWorker("flaky-target");
    await writeEvent(fleet, worker, "flaky-target: kept alive");

    const attempts = await vi.waitFor(() => {
      const got = receiver.at("/flaky");
      expect(got.map((delivery) => delivery.status)).toEqual([500, 503, 502, 200]);
      return got;
    }, PATIENCE);
    const ids = new Set(attempts.map((delivery) => delivery.headers["x-cml-fleet-delivery"]));
    expect(ids.size).toBe(1);
    expect(new Set(attempts.map((delivery) => delivery.body)).size).toBe(1);
    await vi.waitFor(async () => {
      const channel = (await store.listChannels()).find((candidate) => candidate.id === flaky.id);
      expect(channel?.lastDeliveryAt).not.toBeNull();
      expect(channel?.lastError).toBeNull();
    }, PATIENCE);
    // Later passes of the relay hand nothing over again: still one 2xx for the delivery id.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.at("/flaky").filter((delivery) => delivery.status === 200)).toHaveLength(1);
  });

  it("sends testNotificationChannel's test event from the job process, signed, and answers whether it got 2xx", {
    timeout: 60_000,
  }, async () => {
    const { service } = channels(fleet);
    const probe = await service.create(admin, { name: "probe", url: receiver.url("/probe"), secret: SECRET });
    expect(await service.test(admin, probe.id)).toBe(true);
    const [test] = receiver.at("/probe");
    expect(test?.headers["x-cml-fleet-event"]).toBe("notification.test");
    expect(test?.headers["x-cml-fleet-signature"]).toBe(sign(test?.body ?? ""));
    expect(JSON.parse(test?.body ?? "{}")).toMatchObject({
      message: expect.stringContaining("sent by admin"),
    });
    receiver.plan("/probe", [500]);
    expect(await service.test(admin, probe.id)).toBe(false);
  });

  it("records the last error on the channel when a receiver keeps failing, and gives up after NOTIFY_ATTEMPTS", {
    timeout: 120_000,
  }, async () => {
    const { service, store } = channels(fleet);
    const down = await service.create(admin, {
      name: "down",
      url: receiver.url("/down"),
      events: ["worker.keep_alive"],
    });
    receiver.plan(
      "/down",
      Array.from({ length: 20 }, () => 500),
    );
    const worker = await fleet.createWorker("down-target");
    await writeEvent(fleet, worker, "down-target: kept alive");
    await vi.waitFor(async () => {
      const channel = (await store.listChannels()).find((candidate) => candidate.id === down.id);
      expect(channel?.lastError).toMatch(/^gave up: .*HTTP 500/);
    }, PATIENCE);
    expect(receiver.at("/down")).toHaveLength(6);
  });
});

describe("the notification relay across a crash and a Redis loss", () => {
  const fleet = useHarness("notify-relay", { env: NOTIFY_ENV, jobWorkers: false });
  const receiver = useWebhookReceiver();

  it("hands every event over once, under deterministic job ids, and the receiver gets each once", {
    timeout: 120_000,
  }, async () => {
    const { service, store } = channels(fleet);
    const channel = await service.create(admin, {
      name: "crash",
      url: receiver.url("/crash"),
      events: ["worker.keep_alive"],
    });
    const worker = await fleet.createWorker("crash-target");
    for (const n of [1, 2, 3]) {
      await writeEvent(fleet, worker, `crash-target: keep-alive ${n}`);
    }
    const notifyQueue = new Queue(queueName("notify"), { connection: fleet.redis, prefix: fleet.keyPrefix });
    const queue = createBullmqNotificationQueue({
      connection: fleet.redis,
      prefix: fleet.keyPrefix,
      retry: fleet.settings.notify.retry,
    });
    try {
      // The process dies while handing deliveries to the queue: the rows are recorded, the cursor moved.
      const crashing: NotificationQueue = {
        hand: async () => {
          throw new Error("the process died here");
        },
      };
      await expect(
        createNotificationRelay({ store, queue: crashing, clock: systemClock }).relayOnce(),
      ).rejects.toThrow("the process died here");
      expect(await notifyQueue.getJobCounts("waiting")).toEqual({ waiting: 0 });

      // Restarted, it hands over what was left; handing over again adds nothing.
      const everyTime = { ...DEFAULT_RELAY_CONFIG, rehandAfterMs: 0 };
      const relay = createNotificationRelay({ store, queue, clock: systemClock }, everyTime);
      expect(await relay.relayOnce()).toEqual({ recorded: 0, handed: 3 });
      expect(await relay.relayOnce()).toEqual({ recorded: 0, handed: 3 });
      const jobs = await notifyQueue.getJobs(["waiting"]);
      expect(jobs.map((job) => job.id).sort()).toEqual(
        jobs.map((job) => `notify.${channel.id}.${(job.data as { eventId: number }).eventId}`).sort(),
      );
      expect(jobs).toHaveLength(3);

      // Redis loses the queue: the rows still pending are handed over again.
      await notifyQueue.obliterate({ force: true });
      expect(await notifyQueue.getJobCounts("waiting")).toEqual({ waiting: 0 });
      expect(await relay.relayOnce()).toEqual({ recorded: 0, handed: 3 });
      expect(await notifyQueue.getJobCounts("waiting")).toEqual({ waiting: 3 });

      await fleet.startJobs();
      const got = await vi.waitFor(() => {
        const deliveries = receiver.at("/crash");
        expect(deliveries).toHaveLength(3);
        return deliveries;
      }, PATIENCE);
      expect(new Set(got.map((delivery) => delivery.headers["x-cml-fleet-delivery"])).size).toBe(3);
      expect(got.map((delivery) => JSON.parse(delivery.body).message).sort()).toEqual([
        "crash-target: keep-alive 1",
        "crash-target: keep-alive 2",
        "crash-target: keep-alive 3",
      ]);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(receiver.at("/crash")).toHaveLength(3);
      expect(await store.pendingDeliveries(new Date(Date.now() + 60_000), 10)).toEqual([]);
    } finally {
      await queue.close();
      await notifyQueue.close();
    }
  });
});

describe("the notification relay and transactions that commit out of order", () => {
  // No job process: its own relay would record (and hand over) the events first, which this test does by hand.
  const fleet = useHarness("notify-late", { env: NOTIFY_ENV, jobWorkers: false });
  const receiver = useWebhookReceiver();

  it("picks up an event whose transaction commits after a later event's, behind the cursor", {
    timeout: 60_000,
  }, async () => {
    const { service, store } = channels(fleet);
    const channel = await service.create(admin, {
      name: "late",
      url: receiver.url("/late"),
      events: ["fleet.orphan_detected"],
    });
    // Raw SQL, as any writer's transaction would insert an event (the repository commits its own at once).
    const orphan = (message: string) =>
      `insert into fleet_events (type, at, message, actor, data) values ('fleet.orphan_detected', now(), '${message}', '{"kind":"system","policy":"reconciliation"}', '{}')`;
    let commitLate = (): void => {};
    const gate = new Promise<void>((resolve) => {
      commitLate = resolve;
    });
    let lateInserted = (): void => {};
    const inserted = new Promise<void>((resolve) => {
      lateInserted = resolve;
    });
    // The first event takes its id now and commits only after the second has committed and been relayed.
    const late = fleet.testDb.db.transaction(async (tx) => {
      await tx.execute(orphan("written first, committed last"));
      lateInserted();
      await gate;
    });
    await inserted;
    await fleet.testDb.db.execute(orphan("written second, committed first"));
    const handed: PendingDelivery[] = [];
    const relay = createNotificationRelay(
      { store, queue: { hand: async (deliveries) => void handed.push(...deliveries) }, clock: systemClock },
      { ...DEFAULT_RELAY_CONFIG, lookBackEveryMs: 0 },
    );
    try {
      await relay.relayOnce();
      expect(handed.filter((delivery) => delivery.channelId === channel.id)).toHaveLength(1);
    } finally {
      // Whatever happened, the open transaction ends: it holds a connection and locks the schema's drop.
      commitLate();
      await late;
    }
    await relay.relayOnce();
    const mine = handed.filter((delivery) => delivery.channelId === channel.id);
    expect(mine).toHaveLength(2);
    expect(new Set(mine.map((delivery) => delivery.eventId)).size).toBe(2);
  });
});
