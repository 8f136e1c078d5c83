import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "@cml-fleet/platform/testing/free-port";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { graphqlCaller, workerById } from "../../api/test/graphql/support/graphql-client";
import { deleteKeys, TEST_REDIS_URL } from "../../platform/test/support/test-redis";
import { type AllInOneProcess, spawnAllInOne } from "./support/all-in-one-process";

const README = join(import.meta.dirname, "..", "..", "..", "README.md");
const BANNER = /cml-fleet is running[\s\S]*Press Ctrl-C to stop\./;
const START_TIMEOUT = 120_000;
const PATIENCE = { timeout: 180_000, interval: 250 };
/**
 * The tour's idle timings are minutes; the test keeps their proportions and
 * runs them twenty times faster. Settings the tour does not name keep their
 * defaults, so a default that vetoes the tour (CML_WORKER_IDLE_MIN_UPTIME once
 * did) makes this test fail as it made the tour fail.
 */
const SPEED_UP = 20;

/** The README's "A guided tour" section. */
async function tourSection(): Promise<string> {
  const readme = await readFile(README, "utf8");
  const start = readme.indexOf("## A guided tour");
  const end = readme.indexOf("\n## ", start + 1);
  expect(start, "README has a guided tour").toBeGreaterThan(-1);
  return readme.slice(start, end);
}

/** Step 4's `NAME=value ... pnpm start`, as environment variables. */
function stepFourEnvironment(tour: string): Record<string, string> {
  const command = /`((?:[A-Z][A-Z0-9_]*=\S+\s+)+)pnpm start`/.exec(tour)?.[1];
  if (command === undefined) {
    throw new Error("the tour's step 4 names no `NAME=value ... pnpm start` command");
  }
  return Object.fromEntries(
    command
      .trim()
      .split(/\s+/)
      .map((assignment) => {
        const [name = "", value = ""] = assignment.split("=");
        return [name, value];
      }),
  );
}

/** `2m` -> `6000ms` at SPEED_UP 20; anything not a plain duration is kept as written. */
function faster(value: string): string {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  const unit = match?.[2];
  if (match === null || unit === undefined) {
    return value;
  }
  return `${Math.round((Number(match[1]) * (units[unit] ?? 0)) / SPEED_UP)}ms`;
}

/** Step 2's createWorker mutation, exactly as the README prints it. */
function stepTwoMutation(tour: string): string {
  const mutation = /```graphql\n([\s\S]*?)```/.exec(tour)?.[1];
  if (mutation === undefined) {
    throw new Error("the tour's step 2 has no graphql block");
  }
  return mutation;
}

interface TourWorker {
  readonly id: string;
  readonly status: string;
  readonly serviceStatus: string;
  readonly idle: { readonly autoStopAt: string | null };
  readonly cost: { readonly savedByAutoStop: number };
  readonly events: readonly { readonly type: string; readonly data: Record<string, unknown> | null }[];
}

const FIELDS =
  "id status serviceStatus idle { autoStopAt } cost { savedByAutoStop } events(first: 50) { type data }";

describe("the README's guided tour, done as written (pnpm start as a child)", () => {
  const children: AllInOneProcess[] = [];
  let root: string;
  const keyPrefix = `cmlf-tour-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cml-fleet-tour-"));
  });

  afterAll(async () => {
    await Promise.allSettled(children.map((child) => child.kill()));
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await deleteKeys(redis, keyPrefix);
    } finally {
      redis.disconnect();
    }
    await rm(root, { recursive: true, force: true });
  });

  it("creates a worker (step 2), which gets an idle warning and is auto-stopped with the policy recorded (step 4)", {
    timeout: 600_000,
  }, async () => {
    const tour = await tourSection();
    const tourEnv = Object.fromEntries(
      Object.entries(stepFourEnvironment(tour)).map(([name, value]) => [name, faster(value)]),
    );
    expect(Object.keys(tourEnv)).toContain("CML_WORKER_IDLE_THRESHOLD");
    const [port, simPort, simCmlPort] = await freePorts(3);
    const start = (extra: Record<string, string>) => {
      const child = spawnAllInOne({
        INIT_CWD: root,
        CML_FLEET_DATA_DIR: join(root, ".data"),
        PORT: String(port),
        SIM_PORT: String(simPort),
        SIM_CML_PORT: String(simCmlPort),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: keyPrefix,
        // Test speed only: the simulated boot and the sampling period, not the idle policy.
        SIM_BOOT_DELAY: "1s",
        SIM_STOP_DELAY: "1s",
        SIM_CML_READY_DELAY: "1s",
        SIM_STATUS_CHECK_DELAY: "1s",
        CML_HEALTH_CHECK_INTERVAL: "1s",
        CML_WORKER_TELEMETRY_COLLECTION_INTERVAL: "1s",
        ...extra,
      });
      children.push(child);
      return child;
    };
    // Step 1: `pnpm start` prints the admin token.
    const first = start({});
    await first.waitForOutput(BANNER, START_TIMEOUT);
    const token = /Admin token\s+(\S+)/.exec(first.output())?.[1];
    expect(token).toBeDefined();
    const call = graphqlCaller(`http://127.0.0.1:${port}/graphql`, token ?? "");

    // Step 2: the README's mutation answers at once; the worker becomes RUNNING with service AVAILABLE.
    const created = await call<{
      createWorker: { worker: { id: string; status: string }; job: { name: string } };
    }>(stepTwoMutation(tour));
    expect(created.createWorker.job.name).toBe("provision");
    const id = created.createWorker.worker.id;
    await vi.waitFor(async () => {
      expect(await workerById<TourWorker>(call, id, FIELDS)).toMatchObject({
        status: "RUNNING",
        serviceStatus: "AVAILABLE",
      });
    }, PATIENCE);

    // Step 4: Ctrl-C, and `pnpm start` again with the tour's idle policy; the worker is kept.
    expect(await first.stop("SIGINT", 60_000)).toBe(0);
    const child = start(tourEnv);
    await child.waitForOutput(BANNER, START_TIMEOUT);
    expect(await workerById<TourWorker>(call, id, FIELDS)).toMatchObject({ id, status: "RUNNING" });

    // Step 4: first an idle warning, with idle.autoStopAt set ...
    await vi.waitFor(async () => {
      const worker = await workerById<TourWorker>(call, id, FIELDS);
      expect(worker?.events.map((event) => event.type)).toContain("worker.idle_warning");
    }, PATIENCE);
    // ... then the stop, with a worker.auto_stopped event that records the policy numbers.
    const stopped = await vi.waitFor(async () => {
      const worker = await workerById<TourWorker>(call, id, FIELDS);
      expect(worker?.status).toBe("STOPPED");
      return worker ?? expect.unreachable();
    }, PATIENCE);
    const autoStopped = stopped.events.find((event) => event.type === "worker.auto_stopped");
    expect(autoStopped?.data).toEqual(expect.objectContaining({}));
    expect(Object.keys(autoStopped?.data ?? {}).length).toBeGreaterThan(0);
    // Its cost.savedByAutoStop grows while it stays stopped.
    const savedFirst = stopped.cost.savedByAutoStop;
    await vi.waitFor(async () => {
      const worker = await workerById<TourWorker>(call, id, FIELDS);
      expect(worker?.cost.savedByAutoStop).toBeGreaterThan(savedFirst);
    }, PATIENCE);

    expect(await child.stop("SIGINT", 60_000)).toBe(0);
  });
});
