import { fileURLToPath } from "node:url";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunningJobProcess, startJobProcess } from "../src/job-process";
import { provisionWorkers, runOnce, SECOND_LONG_IDLE, waitForWorker } from "./support/fleet-driver";
import { FAST_RUNTIME, type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";

/**
 * Settings whose effect is seen on what the job process observes and keeps:
 * CML's TLS trust, the idle policy's fail-closed vetoes, telemetry retention
 * and CloudWatch custom metrics. Each harness loads them with `loadSettings`
 * (as `pnpm start` does); the effect is observed on the simulator through the
 * real SDK and HTTPS, and in the fleet's own Postgres.
 */
const operator = userActor("u-ops", "ops");

/** The simulator's self-signed CML certificate (packages/sim/certs/README.md). */
const SIM_CML_CERTIFICATE = fileURLToPath(new URL("../../sim/certs/cml-test-cert.pem", import.meta.url));

const MINUTE_MS = 60_000;

interface SimStatsView {
  readonly cloudwatch: Record<string, number>;
  readonly cml: Record<string, number>;
}

async function provisionOne(fleet: FleetHarness): Promise<string> {
  const worker = await fleet.createWorker();
  await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
  return worker.id;
}

/**
 * The simulator's CML certificate is self-signed and names 127.0.0.1 only,
 * not the loopback address of each instance (127.x.y.z), as a real CML's
 * names none of the addresses EC2 gives it. Verification on refuses the chain
 * unless CML_CA_BUNDLE trusts it, and then refuses the address; off, the
 * worker's certificate is only pinned on first use (core/README.md).
 */
describe.each([
  { verify: "false", bundle: null, refusal: null },
  { verify: "true", bundle: null, refusal: "DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate" },
  {
    verify: "true",
    bundle: SIM_CML_CERTIFICATE,
    refusal: "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames",
  },
])("CML_TLS_VERIFY=$verify with CML_CA_BUNDLE=$bundle", ({ verify, bundle, refusal }) => {
  const fleet = useHarness(`settings-tls-${verify}-${bundle === null ? "none" : "ca"}`, {
    env: {
      CML_TLS_VERIFY: verify,
      ...(bundle === null ? {} : { CML_CA_BUNDLE: bundle }),
      // A refused certificate reads as a CML never ready: give up on it after 3 s, once.
      CML_STARTUP_TIMEOUT: "3s",
      CML_JOB_ATTEMPTS: "1",
      CML_LICENSE_TOKEN: "",
    },
  });

  it(refusal === null
    ? "the worker's CML is reached: the worker becomes AVAILABLE"
    : `the worker's CML is refused (${refusal.split(":")[0]}): provisioning gives up, naming the refusal`, {
    timeout: 120_000,
  }, async () => {
    const workerId = await provisionOne(fleet);
    if (refusal === null) {
      await waitForWorker(fleet, workerId, { serviceStatus: "AVAILABLE" });
      return;
    }
    const failed = await waitForWorker(fleet, workerId, { status: "FAILED" });
    expect(failed.statusReason).toContain(`gave up waiting for CML on ${failed.name} to be ready`);
    expect(failed.statusReason).toContain(refusal);
    expect(failed.serviceStatus).not.toBe("AVAILABLE");
  });
});

/** Whether the fleet raised an idle warning for the worker. */
async function warned(fleet: FleetHarness, workerId: string): Promise<boolean> {
  const events = await fleet.workers.listEvents(workerId, 100);
  return events.some((event) => event.type === "worker.idle_warning");
}

/** Sweeps until the worker's telemetry holds a CPU figure (CloudWatch may have none for a fresh instance). */
async function sweptWithCpu(fleet: FleetHarness, workerId: string): Promise<Worker> {
  return vi.waitFor(async () => {
    await runOnce(fleet, "telemetry-sweep");
    const worker = await fleet.workers.findById(workerId);
    expect(worker?.telemetry?.cpuPercent).toEqual(expect.any(Number));
    return worker ?? expect.unreachable();
  }, PATIENCE);
}

/** Makes the worker's last telemetry `ageMs` old, as if the sweeps had stopped reaching it. */
async function ageTelemetry(fleet: FleetHarness, worker: Worker, ageMs: number): Promise<void> {
  const telemetry = worker.telemetry ?? expect.unreachable();
  await fleet.workers.save(
    { ...worker, telemetry: { ...telemetry, sampledAt: new Date(Date.now() - ageMs) } },
    [],
  );
}

/**
 * Idle from the first check (no snooze, minimum uptime or warning delay), and
 * warned at once: a warning is the idle policy's verdict "quiet", its absence
 * a veto. The threshold is an hour so that nothing is stopped meanwhile.
 */
const WARN_AT_ONCE = {
  ...SECOND_LONG_IDLE,
  CML_WORKER_IDLE_THRESHOLD: "1h",
  CML_WORKER_MAX_IDLE_BEFORE_WARNING: "0s",
};

describe.each([
  // The simulator's idle controller sits at 1-3 % CPU.
  { cpuVeto: "100", staleAge: "1m", freshWarned: true, twoMinutesOldWarned: false },
  { cpuVeto: "100", staleAge: "5m", freshWarned: true, twoMinutesOldWarned: true },
  { cpuVeto: "1", staleAge: "5m", freshWarned: false, twoMinutesOldWarned: false },
])(
  "CML_WORKER_IDLE_CPU_VETO_PERCENT=$cpuVeto, CML_WORKER_IDLE_STALE_TELEMETRY_AGE=$staleAge",
  ({ cpuVeto, staleAge, freshWarned, twoMinutesOldWarned }) => {
    const fleet = useHarness(`settings-idle-${cpuVeto}-${staleAge}`, {
      env: {
        ...WARN_AT_ONCE,
        CML_WORKER_IDLE_CPU_VETO_PERCENT: cpuVeto,
        CML_WORKER_IDLE_STALE_TELEMETRY_AGE: staleAge,
      },
    });

    it(`a quiet worker with fresh telemetry is ${freshWarned ? "" : "not "}warned idle; one whose telemetry is 2 minutes old is ${twoMinutesOldWarned ? "" : "not "}warned`, {
      timeout: 180_000,
    }, async () => {
      const [fresh, old] = await provisionWorkers(fleet, ["fresh", "old"]);
      if (fresh === undefined || old === undefined) {
        throw new Error("provisioning returned too few workers");
      }
      const freshSwept = await sweptWithCpu(fleet, fresh.id);
      const oldSwept = await sweptWithCpu(fleet, old.id);
      // Below 1 % never happens in the simulator: a veto at 1 % always applies, one at 100 % never does.
      expect(freshSwept.telemetry?.cpuPercent).toBeGreaterThanOrEqual(1);
      expect(freshSwept.telemetry?.cpuPercent).toBeLessThan(100);
      await ageTelemetry(fleet, oldSwept, 2 * MINUTE_MS);

      await runOnce(fleet, "idle-check");
      expect({ fresh: await warned(fleet, fresh.id), old: await warned(fleet, old.id) }).toEqual({
        fresh: freshWarned,
        old: twoMinutesOldWarned,
      });
    });
  },
);

describe("CML_TELEMETRY_RETENTION", () => {
  const fleet = useHarness("settings-retention", {
    env: { CML_TELEMETRY_RETENTION: "1h", CML_LICENSE_TOKEN: "" },
  });

  it("a sweep deletes the samples older than the retention and keeps the younger ones", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["kept"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    const swept = await sweptWithCpu(fleet, worker.id);
    const sample = { ...(swept.telemetry ?? expect.unreachable()), workerId: worker.id };
    const ages = [5 * MINUTE_MS, 50 * MINUTE_MS, 70 * MINUTE_MS, 3 * 60 * MINUTE_MS];
    await fleet.workers.saveTelemetry(
      ages.map((age) => ({ ...sample, sampledAt: new Date(Date.now() - age) })),
    );
    const before = await fleet.workers.recentTelemetry(worker.id, 1_000);
    expect(before.filter((row) => Date.now() - row.sampledAt.getTime() > 60 * MINUTE_MS)).toHaveLength(2);

    await runOnce(fleet, "telemetry-sweep");
    const after = await fleet.workers.recentTelemetry(worker.id, 1_000);
    const ageOf = (row: { readonly sampledAt: Date }) => Date.now() - row.sampledAt.getTime();
    expect(after.filter((row) => ageOf(row) > 60 * MINUTE_MS)).toEqual([]);
    // The two younger than an hour (and the sweeps' own) remain.
    expect(after.filter((row) => ageOf(row) > 40 * MINUTE_MS)).toHaveLength(1);
    expect(after.filter((row) => ageOf(row) > 4 * MINUTE_MS)).toHaveLength(2);
  });
});

/** The fleet's RunningNodes points (its region's total) the simulator's CloudWatch holds in `namespace`, read through the SDK. */
async function runningNodesPoints(fleet: FleetHarness, worker: Worker, namespace: string): Promise<number> {
  const cloudwatch = new CloudWatchClient({
    region: worker.region,
    endpoint: fleet.sim.url,
    credentials: { accessKeyId: "sim", secretAccessKey: "sim" },
  });
  try {
    const answer = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 10 * MINUTE_MS),
        EndTime: new Date(Date.now() + MINUTE_MS),
        MetricDataQueries: [
          {
            Id: "nodes",
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: "RunningNodes",
                Dimensions: [],
              },
              Period: 60,
              Stat: "Maximum",
            },
          },
        ],
      }),
    );
    return answer.MetricDataResults?.[0]?.Values?.length ?? 0;
  } finally {
    cloudwatch.destroy();
  }
}

describe.each([
  { enabled: "true", namespace: "OtherFleet" },
  { enabled: "false", namespace: "OtherFleet" },
])(
  "CML_CUSTOM_METRICS_ENABLED=$enabled, CML_CUSTOM_METRICS_NAMESPACE=$namespace",
  ({ enabled, namespace }) => {
    const fleet = useHarness(`settings-metrics-${enabled}`, {
      env: {
        CML_CUSTOM_METRICS_ENABLED: enabled,
        CML_CUSTOM_METRICS_NAMESPACE: namespace,
        CML_LICENSE_TOKEN: "",
      },
    });

    it(enabled === "true"
      ? "a sweep publishes the fleet's figures to CloudWatch under the namespace, none under the default one"
      : "a sweep publishes nothing to CloudWatch", { timeout: 120_000 }, async () => {
      const [worker] = await provisionWorkers(fleet, ["measured"]);
      if (worker === undefined) {
        throw new Error("no worker");
      }
      await fleet.simJson("/_sim/stats", { method: "DELETE" });
      await sweptWithCpu(fleet, worker.id);
      const stats = await fleet.simJson<SimStatsView>("/_sim/stats");
      const published = {
        calls: stats.cloudwatch.PutMetricData ?? 0,
        inNamespace: await runningNodesPoints(fleet, worker, namespace),
        inDefaultNamespace: await runningNodesPoints(fleet, worker, "CMLFleet"),
      };
      if (enabled === "true") {
        expect(published.calls).toBeGreaterThan(0);
        expect(published.inNamespace).toBeGreaterThan(0);
        expect(published.inDefaultNamespace).toBe(0);
      } else {
        expect(published).toEqual({ calls: 0, inNamespace: 0, inDefaultNamespace: 0 });
      }
    });
  },
);

/**
 * The harness shortens the readiness polls for speed; here the job process is
 * started as `pnpm start` starts it, so CML_HEALTH_CHECK_INTERVAL alone sets
 * them. A CML that never becomes ready is polled until CML_STARTUP_TIMEOUT
 * (6 s): at 100 ms about 60 times; at 1 h (polls 1 s apart, backing off by 1.6
 * up to it) at 0, 1, 2.6 and 5.16 s and at the deadline, 5 at most however
 * slow the machine.
 */
describe.each([
  { interval: "100ms", atLeast: 20, atMost: Number.POSITIVE_INFINITY },
  { interval: "1h", atLeast: 1, atMost: 5 },
])("CML_HEALTH_CHECK_INTERVAL=$interval", ({ interval, atLeast, atMost }) => {
  const fleet = useHarness(`settings-health-interval-${interval}`, {
    sim: { cmlReadyDelayMs: 600_000 },
    jobWorkers: false,
    env: {
      CML_HEALTH_CHECK_INTERVAL: interval,
      CML_STARTUP_TIMEOUT: "6s",
      CML_JOB_ATTEMPTS: "1",
      CML_LICENSE_TOKEN: "",
    },
  });
  let jobs: RunningJobProcess | null = null;
  beforeAll(async () => {
    jobs = await startJobProcess({
      settings: fleet.settings,
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
      runtime: FAST_RUNTIME,
    });
  }, 120_000);
  // Registered after the harness's own: runs before it closes.
  afterAll(async () => {
    await jobs?.close();
  }, 120_000);

  it(`a CML that never becomes ready is polled ${atMost === Number.POSITIVE_INFINITY ? `at least ${atLeast}` : `at most ${atMost}`} times before provisioning gives up`, {
    timeout: 120_000,
  }, async () => {
    const workerId = await provisionOne(fleet);
    const failed = await waitForWorker(fleet, workerId, { status: "FAILED" });
    expect(failed.statusReason).toContain(`gave up waiting for CML on ${failed.name} to be ready`);
    const stats = await fleet.simJson<SimStatsView>("/_sim/stats");
    const polls = stats.cml["GET /api/v0/system_information"] ?? 0;
    expect(polls).toBeGreaterThanOrEqual(atLeast);
    expect(polls).toBeLessThanOrEqual(atMost);
  });
});
