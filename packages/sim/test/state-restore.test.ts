import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeInstancesCommand, RunInstancesCommand, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SIM_IMAGES } from "../src/catalog";
import type { SimInstanceView } from "../src/control/instance-view";
import { SIM_DEFAULT_CML_PASSWORD } from "../src/options";
import { type RunningSimulator, startSimulator } from "../src/simulator";
import { ec2Client, runInput } from "./support/aws-clients";
import { cmlOf, control, patchCml } from "./support/control";
import { httpsJson } from "./support/https-json";
import { PATIENCE } from "./support/simulator";

const IMAGE = SIM_IMAGES["us-east-1"][0]?.imageId ?? "";

/** A RunInstances the second simulator must answer with the instance the first one launched. */
const WORKER_1 = {
  ...runInput(IMAGE, "c5.2xlarge", { tags: { "cml-fleet:worker-id": "worker-1" } }),
  ClientToken: "worker-1",
};

const TIMINGS = { bootDelayMs: 100, stopDelayMs: 100, cmlReadyDelayMs: 300, licenseRegistrationDelayMs: 100 };

describe("a simulator with a state file", () => {
  let dir: string;
  let statePath: string;
  const started: RunningSimulator[] = [];

  async function start(options: { stopDelayMs?: number; onWarning?: (message: string) => void } = {}) {
    const sim = await startSimulator({ ...TIMINGS, ...options, statePath });
    started.push(sim);
    return sim;
  }

  const instancesOf = (sim: RunningSimulator) =>
    control<SimInstanceView[]>(sim.url, "GET", "/_sim/instances");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sim-state-"));
    statePath = join(dir, "nested", "sim-state.json");
  });

  afterAll(async () => {
    await Promise.all(started.map((sim) => sim.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("brings back instances, tags, addresses, client tokens and CML state after close() and a new start", async () => {
    const first = await start({ stopDelayMs: 60_000 });
    const ec2 = ec2Client(first.url, "us-east-1");
    const launched = await ec2.send(new RunInstancesCommand(WORKER_1));
    const runningId = launched.Instances?.[0]?.InstanceId ?? "";
    const [stopped, terminated] = await Promise.all([
      control<SimInstanceView>(first.url, "POST", "/_sim/instances", { tags: { Name: "stop-me" } }),
      control<SimInstanceView>(first.url, "POST", "/_sim/instances", { tags: { Name: "end-me" } }),
    ]);
    await expect.poll(async () => (await cmlOf(first.url, runningId)).ready, PATIENCE).toBe(true);
    const running = (await instancesOf(first)).find((instance) => instance.instanceId === runningId);
    const base = `https://${running?.publicIp}:${first.cmlPort}/api/v0`;
    const signIn = await httpsJson(`${base}/authenticate`, {
      method: "POST",
      body: { username: "admin", password: SIM_DEFAULT_CML_PASSWORD },
    });
    await httpsJson(`${base}/licensing/registration`, {
      method: "POST",
      token: signIn.body as string,
      body: { token: "good-token", reregister: false },
    });
    await patchCml(first.url, runningId, {
      runningNodes: 4,
      labs: [{ id: "lab-1", title: "OSPF", state: "STARTED", nodeCount: 4 }],
      activity: true,
      healthy: false,
    });
    await expect
      .poll(async () => (await cmlOf(first.url, runningId)).licenseStatus, PATIENCE)
      .toBe("COMPLETED");
    await expect
      .poll(async () => (await instancesOf(first)).every((view) => view.state === "running"), PATIENCE)
      .toBe(true);
    // Both stay mid-transition (the delays are long) so the restore has to settle them.
    await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped.instanceId] }));
    ec2.destroy();
    await control(first.url, "POST", `/_sim/instances/${terminated.instanceId}/terminate`);
    const cmlBefore = await cmlOf(first.url, runningId);
    const before = await instancesOf(first);
    expect(before.map((view) => view.state).sort()).toEqual(["running", "shutting-down", "stopping"]);
    await first.close();

    expect(JSON.parse(await readFile(statePath, "utf8"))).toMatchObject({ version: 1 });
    expect((await readdir(join(dir, "nested"))).filter((name) => name.endsWith(".tmp"))).toEqual([]);

    const warnings: string[] = [];
    const second = await start({ onWarning: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    const after = await instancesOf(second);
    expect(after.map((view) => view.instanceId).sort()).toEqual(before.map((view) => view.instanceId).sort());
    for (const view of before) {
      const restored = after.find((candidate) => candidate.instanceId === view.instanceId);
      expect(restored?.tags).toEqual(view.tags);
      expect(restored?.privateIp).toBe(view.privateIp);
      expect(restored?.launchTime).toBe(view.launchTime);
      expect(restored?.region).toBe(view.region);
    }
    const stateOf = (id: string) => after.find((view) => view.instanceId === id)?.state;
    expect(stateOf(runningId)).toBe("running");
    expect(stateOf(stopped.instanceId)).toBe("stopped");
    expect(stateOf(terminated.instanceId)).toBe("terminated");
    expect(after.find((view) => view.instanceId === runningId)?.publicIp).toBe(running?.publicIp);

    // The restored controller answers over HTTPS again and becomes ready after the ready delay.
    const cmlAfter = await vi.waitFor(async () => {
      const view = await cmlOf(second.url, runningId);
      expect(view).toMatchObject({ listening: true, ready: true });
      return view;
    }, PATIENCE);
    expect(cmlAfter).toMatchObject({
      runningNodes: 4,
      labs: [{ id: "lab-1", title: "OSPF", state: "STARTED", nodeCount: 4 }],
      licenseStatus: "COMPLETED",
      registerCalls: 1,
      reachable: true,
      healthy: false,
      serviceUserId: cmlBefore.serviceUserId,
      eventCount: cmlBefore.eventCount,
    });
    const info = await httpsJson(`https://${running?.publicIp}:${second.cmlPort}/api/v0/system_information`);
    expect(info).toMatchObject({ status: 200, body: { ready: true } });

    // Client-token idempotency survives: the same token answers with the same instance, a new one gets a new address.
    const ec2Again = ec2Client(second.url);
    try {
      const repeated = await ec2Again.send(new RunInstancesCommand(WORKER_1));
      expect(repeated.Instances?.[0]?.InstanceId).toBe(runningId);
      const described = await ec2Again.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: "tag:cml-fleet:worker-id", Values: ["worker-1"] }],
        }),
      );
      expect(described.Reservations?.flatMap((reservation) => reservation.Instances ?? [])).toHaveLength(1);
    } finally {
      ec2Again.destroy();
    }
    const fresh = await control<SimInstanceView>(second.url, "POST", "/_sim/instances", {});
    expect(before.map((view) => view.privateIp)).not.toContain(fresh.privateIp);
    expect(before.map((view) => view.instanceId)).not.toContain(fresh.instanceId);
  });

  it("starts empty with one warning when the file is corrupt, and keeps the file aside", async () => {
    const broken = join(dir, "broken.json");
    await writeFile(broken, '{"version": 1, "instances": [', "utf8");
    const warnings: string[] = [];
    const sim = await startSimulator({
      ...TIMINGS,
      statePath: broken,
      onWarning: (message) => warnings.push(message),
    });
    started.push(sim);
    expect(await instancesOf(sim)).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(broken);
    expect(warnings[0]).toContain("starting with no instances");
    expect(await readFile(`${broken}.unreadable`, "utf8")).toContain('"instances"');
  });
});
