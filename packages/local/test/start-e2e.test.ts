import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../../jobs/test/support/fleet-harness";
import { type AllInOneProcess, freePorts, spawnAllInOne } from "./support/all-in-one-process";

/** Starting tsx, migrating PGlite and booting everything takes a while on a loaded 2-core machine. */
const BANNER = /cml-fleet is running[\s\S]*Press Ctrl-C to stop\./;
const START_TIMEOUT = 120_000;
const EXIT_TIMEOUT = 60_000;

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
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) {
          await redis.del(...keys);
        }
      } while (cursor !== "0");
    } finally {
      redis.disconnect();
    }
    await rm(root, { recursive: true, force: true });
  });

  async function graphql<T>(
    token: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const response = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors !== undefined || body.data === undefined) {
      throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
    }
    return body.data;
  }

  async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    for (;;) {
      try {
        const value = await probe();
        if (value !== null) {
          return value;
        }
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`${what}: not within ${timeoutMs} ms (last error: ${String(last)})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const workerNow = async (token: string, id: string) =>
    (
      await graphql<{ worker: WorkerView | null }>(
        token,
        `query ($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`,
        { id },
      )
    ).worker;

  it("serves a worker that is provisioned, keeps it across Ctrl-C and a restart, and exits cleanly", {
    timeout: 600_000,
  }, async () => {
    const first = start();
    await first.waitForOutput(BANNER, START_TIMEOUT);
    const token = (await readFile(join(dataDir, "admin-token"), "utf8")).trim();
    expect(first.output()).toContain(token);

    const created = await graphql<{ createWorker: { worker: { id: string } } }>(
      token,
      `mutation ($input: CreateWorkerInput!) { createWorker(input: $input) { worker { id } } }`,
      { input: { name: "e2e-lab-1", region: "us-east-1" } },
    );
    const id = created.createWorker.worker.id;
    const provisioned = await until("the worker is RUNNING and AVAILABLE", async () => {
      const worker = await workerNow(token, id);
      return worker?.status === "RUNNING" && worker.serviceStatus === "AVAILABLE" ? worker : null;
    });
    expect(provisioned.instanceId).toMatch(/^i-[0-9a-f]{17}$/);

    // The provision job's run is counted by queue and outcome, and logged with its job id.
    await until("/metrics counts the provision job", async () => {
      const response = await fetch(metricsUrl);
      const text = await response.text();
      return /cml_fleet_jobs_total\{[^}]*queue="(cml-fleet\.)?provision"[^}]*outcome="completed"[^}]*\} [1-9]/.test(
        text,
      )
        ? text
        : null;
    });
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
    const kept = await workerNow(token, id);
    expect(kept).toMatchObject({ id, instanceId: provisioned.instanceId });
    // The simulated cloud came back with it: a sweep after the restart still finds it running and its CML up.
    const swept = await until("a sweep after the restart sees the worker RUNNING and AVAILABLE", async () => {
      const worker = await workerNow(token, id);
      const sampledAt =
        worker?.telemetry === null || worker === null ? 0 : Date.parse(worker.telemetry.sampledAt);
      return worker !== null && sampledAt > restartedAt && worker.serviceStatus === "AVAILABLE"
        ? worker
        : null;
    });
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
