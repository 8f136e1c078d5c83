import { userActor } from "@cml-fleet/core/domain/actor";
import { freePort } from "@cml-fleet/platform/testing/free-port";
import { afterAll, describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";
import { type ChildJobProcess, spawnJobProcess } from "./support/job-process-child";

/**
 * Settings whose effect is only seen on what the job process does to EC2 and
 * CML: each is loaded by the harness with `loadSettings` (as `pnpm start`
 * does) and observed on the simulator through the real SDK and HTTPS.
 */
const operator = userActor("u-ops", "ops");

/** What these tests read of an instance in the simulator's `GET /_sim/instances`. */
interface SimInstanceView {
  readonly instanceId: string;
  readonly state: string;
  readonly publicIp: string | null;
  readonly keyName: string | null;
  readonly imageId: string;
  readonly detailedMonitoring: boolean;
}

async function provision(fleet: FleetHarness, region: string): Promise<string> {
  const worker = await fleet.createWorker(undefined, region);
  await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
  return worker.id;
}

/** The simulator's view of the instance the fleet launched for the worker. */
async function launchedInstance(fleet: FleetHarness, workerId: string): Promise<SimInstanceView> {
  const { instanceId } = await waitForWorker(fleet, workerId, { instanceId: expect.any(String) });
  const instances = await fleet.simJson<SimInstanceView[]>("/_sim/instances");
  return instances.find((instance) => instance.instanceId === instanceId) ?? expect.unreachable();
}

describe("CML_WORKER_KEY_PAIRS, CML_WORKER_NETWORK_CONFIG's assign_public_ip and CML_WORKER_DETAILED_MONITORING", () => {
  const fleet = useHarness("settings-launch", {
    env: {
      CML_WORKER_DETAILED_MONITORING: "true",
      CML_WORKER_KEY_PAIRS: JSON.stringify({ "us-east-1": "fleet-ssh" }),
      CML_WORKER_NETWORK_CONFIG: JSON.stringify({ "us-west-2": { assign_public_ip: false } }),
      CML_LICENSE_TOKEN: "",
      // The instance without a public IP is ended by the test: its provision job must not launch another.
      CML_JOB_ATTEMPTS: "1",
      // Its CML is never reached, and the wait for it does not look at EC2 again: the bound ends the job, so that
      // the harness can close (with the default 10 minutes it waited for the job past its hook's timeout).
      CML_STARTUP_TIMEOUT: "20s",
    },
  });

  it("a region with a key pair launches with it and gets a public IP; one with assign_public_ip false launches without key or public IP; both with detailed monitoring", {
    timeout: 120_000,
  }, async () => {
    const [east, west] = await Promise.all([provision(fleet, "us-east-1"), provision(fleet, "us-west-2")]);

    const eastRunning = await vi.waitFor(async () => {
      const instance = await launchedInstance(fleet, east);
      expect(instance.state).toBe("running");
      return instance;
    }, PATIENCE);
    expect(eastRunning.keyName).toBe("fleet-ssh");
    expect(eastRunning.publicIp).not.toBeNull();
    expect(eastRunning.detailedMonitoring).toBe(true);

    const westRunning = await vi.waitFor(async () => {
      const instance = await launchedInstance(fleet, west);
      expect(instance.state).toBe("running");
      return instance;
    }, PATIENCE);
    expect(westRunning.keyName).toBeNull();
    expect(westRunning.publicIp).toBeNull();
    expect(westRunning.detailedMonitoring).toBe(true);
    // Its CML can never be reached: end the instance so that its provision job ends and the harness closes.
    await fleet.simJson(`/_sim/instances/${westRunning.instanceId}/terminate`, { method: "POST" });
  });
});

describe("CML_WORKER_AMI_NAMES and CML_WORKER_AMI_IDS", () => {
  // No AMI config: us-east-1 by name (the older of the simulator's two CML images), us-west-2 by id.
  const fleet = useHarness("settings-ami", {
    env: {
      CML_WORKER_AMI_CONFIG: "{}",
      CML_WORKER_AMI_NAMES: JSON.stringify({ "us-east-1": "CML-2.8.1-Ubuntu-22.04" }),
      CML_WORKER_AMI_IDS: JSON.stringify({ "us-west-2": "ami-04d2e8f1a9b3c7e15" }),
      CML_LICENSE_TOKEN: "",
    },
  });

  it("a region given an AMI name launches the image of that name; one given an id launches that id; by default with basic monitoring", {
    timeout: 120_000,
  }, async () => {
    const [east, west] = await Promise.all([provision(fleet, "us-east-1"), provision(fleet, "us-west-2")]);
    // The simulator's us-east-1 image named CML-2.8.1-Ubuntu-22.04 (the default config would launch 2.9.0's).
    expect((await launchedInstance(fleet, east)).imageId).toBe("ami-0a1b2c3d4e5f60701");
    expect((await launchedInstance(fleet, west)).imageId).toBe("ami-04d2e8f1a9b3c7e15");
    // Detailed monitoring is billed per instance: off unless CML_WORKER_DETAILED_MONITORING asks for it.
    expect((await launchedInstance(fleet, east)).detailedMonitoring).toBe(false);
  });
});

describe("CML_LICENSE_REGISTRATION_TIMEOUT", () => {
  // Cisco takes 4 s to complete a registration here; the fleet waits at most 1 s.
  const fleet = useHarness("settings-license-timeout", {
    sim: { licenseRegistrationDelayMs: 4_000 },
    env: { CML_LICENSE_REGISTRATION_TIMEOUT: "1s", CML_JOB_ATTEMPTS: "1" },
  });

  it("a registration slower than the timeout is given up as a timeout, and the license is not REGISTERED", {
    timeout: 120_000,
  }, async () => {
    const workerId = await provision(fleet, "us-east-1");
    // The adapter's timeout names the wait it gave up after; the license change records it as its reason.
    await vi.waitFor(async () => {
      const events = await fleet.workers.listEvents(workerId, 100);
      expect(events.map((event) => JSON.stringify(event)).join("\n")).toMatch(/still \w+ after 1000 ms/);
    }, PATIENCE);
    const worker = await fleet.workers.findById(workerId);
    expect(worker?.license.status).not.toBe("REGISTERED");
  });
});

describe("CML_STARTUP_TIMEOUT", () => {
  // The instance runs, but its CML never reports ready; the fleet waits at most 2 s for it.
  const fleet = useHarness("settings-startup-timeout", {
    sim: { cmlReadyDelayMs: 600_000 },
    env: { CML_STARTUP_TIMEOUT: "2s", CML_JOB_ATTEMPTS: "1", CML_LICENSE_TOKEN: "" },
  });

  it("a CML that is not ready within the timeout fails the provisioning, saying what it waited for", {
    timeout: 120_000,
  }, async () => {
    const workerId = await provision(fleet, "us-east-1");
    const worker = await fleet.workers.findById(workerId);
    await vi.waitFor(async () => {
      const events = await fleet.workers.listEvents(workerId, 100);
      expect(events.map((event) => JSON.stringify(event)).join("\n")).toContain(
        `gave up waiting for CML on ${worker?.name ?? "?"} to be ready`,
      );
    }, PATIENCE);
    expect((await fleet.workers.findById(workerId))?.serviceStatus).not.toBe("AVAILABLE");
  });
});

describe("a job process started on its own: JOBS_METRICS_PORT, LOG_LEVEL and REDIS_KEY_PREFIX", () => {
  const fleet = useHarness("settings-own-process", { jobWorkers: false });
  const children: ChildJobProcess[] = [];
  // Before the harness closes (after hooks run last registered first).
  afterAll(async () => {
    await Promise.allSettled(children.map((child) => child.kill()));
  });

  async function start(env: Record<string, string>): Promise<{ child: ChildJobProcess; metrics: string }> {
    const port = await freePort();
    const child = spawnJobProcess({
      ...fleet.env,
      CML_FLEET_TEST_DB_SCHEMA: fleet.testDb.schema,
      CML_FLEET_TEST_LOCK_MS: "2000",
      JOBS_METRICS_PORT: String(port),
      ...env,
    });
    children.push(child);
    // Served once the process is up: its job workers listen on the queues by then.
    const metrics = await vi
      .waitFor(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(response.status).toBe(200);
        return response.text();
      }, PATIENCE)
      .catch((error: unknown) => {
        throw new Error(`no /metrics on ${port}: ${String(error)}\n${child.output()}`);
      });
    return { child, metrics };
  }

  it("serves /metrics on the port; another prefix leaves the fleet's queue alone; warn omits the info lines that info writes", {
    timeout: 180_000,
  }, async () => {
    // Another fleet on the same Redis: up (its /metrics served), yet the fleet's job waits.
    const other = await start({ REDIS_KEY_PREFIX: `${fleet.keyPrefix}-other`, LOG_LEVEL: "info" });
    expect(other.metrics).toMatch(/^# HELP /m);
    const first = await fleet.queue.enqueue("reconcile", {});
    expect(await other.child.terminate()).toBe(0);
    expect((await fleet.queue.get(first.id))?.state).toBe("WAITING");

    // The fleet's own prefix at warn: the waiting job is run, and its start is not logged.
    const quiet = await start({ LOG_LEVEL: "warn" });
    await fleet.queue.waitForResult(first.id, 120_000);
    expect(await quiet.child.terminate()).toBe(0);
    expect(quiet.child.output()).not.toContain('"job started"');

    // At info, a job's start is logged.
    const chatty = await start({ LOG_LEVEL: "info" });
    const second = await fleet.queue.enqueue("telemetry-sweep", {});
    await fleet.queue.waitForResult(second.id, 120_000);
    await vi.waitFor(() => expect(chatty.child.output()).toContain('"job started"'), PATIENCE);
  });
});
