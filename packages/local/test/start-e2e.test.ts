import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "@cml-fleet/platform/testing/free-port";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { graphqlCaller, workerById } from "../../api/test/graphql/support/graphql-client";
import { deleteKeys, TEST_REDIS_URL } from "../../platform/test/support/test-redis";
import { type AllInOneProcess, spawnAllInOne } from "./support/all-in-one-process";

/** Starting tsx, migrating PGlite and booting everything takes a while on a loaded 2-core machine. */
const BANNER = /cml-fleet is running[\s\S]*Press Ctrl-C to stop\./;
const START_TIMEOUT = 120_000;
const EXIT_TIMEOUT = 60_000;
/** How long the worker's provisioning and the sweeps may take, polled through the API. */
const PATIENCE = { timeout: 90_000, interval: 250 };

interface WorkerView {
  readonly id: string;
  readonly instanceId: string | null;
  readonly status: string;
  readonly serviceStatus: string;
  readonly telemetry: { readonly sampledAt: string } | null;
}

const WORKER_FIELDS = "id instanceId status serviceStatus telemetry { sampledAt }";

describe("pnpm start (src/main.ts) as a child process, zero configuration", () => {
  const children: AllInOneProcess[] = [];
  let root: string;
  let dataDir: string;
  let env: Record<string, string>;
  let graphqlUrl: string;
  let metricsUrl: string;
  const keyPrefix = `cmlf-start-e2e-${randomUUID().slice(0, 8)}`;

  const start = (overrides: Record<string, string> = {}, options: { path?: string } = {}) => {
    const child = spawnAllInOne({
      ...env,
      ...overrides,
      ...(options.path === undefined ? {} : { PATH: options.path }),
    });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cml-fleet-start-"));
    dataDir = join(root, ".data");
    const [port, simPort, simCmlPort] = await freePorts(3);
    env = {
      INIT_CWD: root,
      CML_FLEET_DATA_DIR: dataDir,
      PORT: String(port),
      SIM_PORT: String(simPort),
      SIM_CML_PORT: String(simCmlPort),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      SIM_BOOT_DELAY: "1s",
      SIM_STOP_DELAY: "1s",
      SIM_CML_READY_DELAY: "1s",
      SIM_STATUS_CHECK_DELAY: "1s",
      CML_HEALTH_CHECK_INTERVAL: "1s",
      CML_WORKER_TELEMETRY_COLLECTION_INTERVAL: "3s",
    };
    graphqlUrl = `http://127.0.0.1:${port}/graphql`;
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
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

  it("serves a worker that is provisioned, keeps it across Ctrl-C and a restart, and exits cleanly", {
    timeout: 600_000,
  }, async () => {
    const first = start();
    await first.waitForOutput(BANNER, START_TIMEOUT);
    const token = (await readFile(join(dataDir, "admin-token"), "utf8")).trim();
    expect(first.output()).toContain(token);
    const call = graphqlCaller(graphqlUrl, token);
    const workerNow = (id: string) => workerById<WorkerView>(call, id, WORKER_FIELDS);

    const created = await call<{ createWorker: { worker: { id: string } } }>(
      `mutation ($input: CreateWorkerInput!) { createWorker(input: $input) { worker { id } } }`,
      { input: { name: "e2e-lab-1", region: "us-east-1" } },
    );
    const id = created.createWorker.worker.id;
    // The worker gets RUNNING and AVAILABLE.
    const provisioned = await vi.waitFor(async () => {
      const worker = await workerNow(id);
      expect(worker).toMatchObject({ status: "RUNNING", serviceStatus: "AVAILABLE" });
      return worker ?? expect.unreachable();
    }, PATIENCE);
    expect(provisioned.instanceId).toMatch(/^i-[0-9a-f]{17}$/);

    // The provision job's run is counted by queue and outcome, and logged with its job id.
    await expect
      .poll(async () => (await fetch(metricsUrl)).text(), PATIENCE)
      .toMatch(
        /cml_fleet_jobs_total\{[^}]*queue="(cml-fleet\.)?provision"[^}]*outcome="completed"[^}]*\} [1-9]/,
      );
    const logLines = (await readFile(join(dataDir, "cml-fleet.log"), "utf8"))
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { jobId?: unknown; queue?: unknown });
    const provisionLines = logLines.filter(
      (line) => typeof line.queue === "string" && /(^|\.)provision$/.test(line.queue),
    );
    expect(provisionLines.length).toBeGreaterThan(0);
    expect(provisionLines.every((line) => typeof line.jobId === "string" && line.jobId !== "")).toBe(true);

    expect(await first.stop("SIGINT", EXIT_TIMEOUT)).toBe(0);
    // The in-process simulator saved its cloud beside the database.
    const simState = JSON.parse(await readFile(join(dataDir, "sim-state.json"), "utf8")) as {
      instances: { instanceId: string }[];
    };
    expect(simState.instances.map((instance) => instance.instanceId)).toContain(provisioned.instanceId);
    const restartedAt = Date.now();

    const second = start();
    await second.waitForOutput(BANNER, START_TIMEOUT);
    expect((await readFile(join(dataDir, "admin-token"), "utf8")).trim()).toBe(token);
    const kept = await workerNow(id);
    expect(kept).toMatchObject({ id, instanceId: provisioned.instanceId });
    // The simulated cloud came back with it: a sweep after the restart still finds it running and its CML up.
    const swept = await vi.waitFor(async () => {
      const worker = await workerNow(id);
      const sampledAt = worker?.telemetry?.sampledAt;
      expect(
        sampledAt === undefined ? 0 : Date.parse(sampledAt),
        "sampled after the restart",
      ).toBeGreaterThan(restartedAt);
      expect(worker?.serviceStatus).toBe("AVAILABLE");
      return worker;
    }, PATIENCE);
    expect(swept).toMatchObject({ id, instanceId: provisioned.instanceId, status: "RUNNING" });

    expect(await second.stop("SIGINT", EXIT_TIMEOUT)).toBe(0);
  });

  it("exits non-zero with one line saying how to get Redis when none answers and none is installed", {
    timeout: 180_000,
  }, async () => {
    const [deadPort, port, simPort, simCmlPort] = await freePorts(4);
    // node's own directory may hold redis-server too (/usr/bin): PATH gets a directory with node alone.
    const bin = join(root, "bin");
    await mkdir(bin);
    await symlink(process.execPath, join(bin, "node"));
    const child = start(
      {
        CML_FLEET_DATA_DIR: join(root, "no-redis"),
        REDIS_URL: `redis://127.0.0.1:${deadPort}`,
        PORT: String(port),
        SIM_PORT: String(simPort),
        SIM_CML_PORT: String(simCmlPort),
      },
      { path: bin },
    );
    const code = await child.exited;
    expect(code).not.toBe(0);
    const lines = child
      .output()
      .split("\n")
      .filter((line) => line.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no Redis answers at redis:\/\/127\.0\.0\.1:\d+/);
    expect(lines[0]).toMatch(/install|REDIS_URL/);
  });
});
