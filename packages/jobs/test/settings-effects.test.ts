import { userActor } from "@cml-fleet/core/domain/actor";
import { describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";

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

describe("CML_WORKER_KEY_PAIRS and CML_WORKER_NETWORK_CONFIG's assign_public_ip", () => {
  const fleet = useHarness("settings-launch", {
    env: {
      CML_WORKER_KEY_PAIRS: JSON.stringify({ "us-east-1": "fleet-ssh" }),
      CML_WORKER_NETWORK_CONFIG: JSON.stringify({ "us-west-2": { assign_public_ip: false } }),
      CML_LICENSE_TOKEN: "",
    },
  });

  it("a region with a key pair launches with it and gets a public IP; one with assign_public_ip false launches without key or public IP", {
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

    const westRunning = await vi.waitFor(async () => {
      const instance = await launchedInstance(fleet, west);
      expect(instance.state).toBe("running");
      return instance;
    }, PATIENCE);
    expect(westRunning.keyName).toBeNull();
    expect(westRunning.publicIp).toBeNull();
    // Its CML can never be reached: end the instance so that its provision job ends and the harness closes.
    await fleet.simJson(`/_sim/instances/${westRunning.instanceId}/terminate`, { method: "POST" });
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
