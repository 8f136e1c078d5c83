import { describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { control } from "./support/control";
import { PATIENCE, useSimulator } from "./support/simulator";

describe("the /_sim control API", () => {
  const suite = useSimulator({ bootDelayMs: 100, stopDelayMs: 100, terminatedRetentionMs: 60_000 });

  /** `GET /_sim/instances/{id}` until it reports `state`. */
  const waitForState = (instanceId: string, state: string) =>
    vi.waitFor(async () => {
      const view = await control<SimInstanceView>(suite.sim.url, "GET", `/_sim/instances/${instanceId}`);
      expect(view.state).toBe(state);
      return view;
    }, PATIENCE);

  it("launches behind the fleet's back and lists instances in the contract's shape", async () => {
    const launched = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {
      region: "eu-west-1",
      instanceType: "c5.metal",
      tags: { Name: "rogue", owner: "console-user" },
    });
    expect(launched).toEqual({
      instanceId: expect.stringMatching(/^i-[0-9a-f]{17}$/),
      region: "eu-west-1",
      state: "pending",
      instanceType: "c5.metal",
      imageId: expect.stringMatching(/^ami-0/),
      tags: { Name: "rogue", owner: "console-user" },
      publicIp: expect.stringMatching(/^127\./),
      privateIp: expect.stringMatching(/^172\.31\./),
      launchTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      // An addition to the contract's shape: the owning account (the default one here).
      accountId: "123456789012",
      // Additions too: launched through the control API, without a key pair, into the region's default subnet.
      keyName: null,
      subnetId: expect.stringMatching(/^subnet-0/),
      detailedMonitoring: false,
    });
    const all = await control<SimInstanceView[]>(suite.sim.url, "GET", "/_sim/instances");
    expect(all.map((instance) => instance.instanceId)).toContain(launched.instanceId);

    const many = await control<SimInstanceView[]>(suite.sim.url, "POST", "/_sim/instances", { count: 25 });
    expect(many).toHaveLength(25);
    expect(new Set(many.map((instance) => instance.publicIp)).size).toBe(25);
  });

  it("terminates behind the fleet's back through EC2's state machine", async () => {
    const launched = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {});
    await waitForState(launched.instanceId, "running");
    const terminating = await control<SimInstanceView>(
      suite.sim.url,
      "POST",
      `/_sim/instances/${launched.instanceId}/terminate`,
    );
    expect(terminating.state).toBe("shutting-down");
    const terminated = await waitForState(launched.instanceId, "terminated");
    expect(terminated.publicIp).toBeNull();
  });

  it("validates faults and CML patches and answers 404 for unknown instances", async () => {
    const put = (body: unknown) =>
      fetch(`${suite.sim.url}/_sim/faults`, {
        method: "PUT",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
    expect((await put({ throttleRate: 2 })).status).toBe(400);
    expect((await put({ unknown: true })).status).toBe(400);
    expect(await (await put({ latencyMs: 5, denyActions: ["StopInstances"] })).json()).toMatchObject({
      latencyMs: 5,
      denyActions: ["StopInstances"],
      throttleRate: 0,
    });
    await put({ latencyMs: 0, denyActions: [] });

    const launched = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {});
    const patch = (body: unknown) =>
      fetch(`${suite.sim.url}/_sim/instances/${launched.instanceId}/cml`, {
        method: "PATCH",
        body: JSON.stringify(body),
      });
    expect((await patch({ runningNodes: -1 })).status).toBe(400);
    expect((await patch({ labs: [{ title: "no id" }] })).status).toBe(400);
    expect((await patch({ bogus: 1 })).status).toBe(400);
    expect((await patch({ healthy: "no" })).status).toBe(400);
    const view = await (
      await patch({ labs: [{ id: "l1", title: "Lab", state: "STARTED" }], runningNodes: 4 })
    ).json();
    expect(view).toMatchObject({
      runningNodes: 4,
      labs: [{ id: "l1", title: "Lab", state: "STARTED", nodeCount: 2 }],
      licenseStatus: "NOT_REGISTERED",
      registerCalls: 0,
      deregisterCalls: 0,
    });
    expect((await fetch(`${suite.sim.url}/_sim/instances/i-0000000000000000f/cml`)).status).toBe(404);
    expect((await fetch(`${suite.sim.url}/_sim/nothing`)).status).toBe(404);
  });

  it("counts and resets stats", async () => {
    await control(suite.sim.url, "DELETE", "/_sim/stats");
    expect(await control(suite.sim.url, "GET", "/_sim/stats")).toEqual({
      ec2: {},
      cloudwatch: {},
      cml: {},
      pricing: {},
      cmlInFlightPeak: 0,
      cmlConnections: 0,
      cmlResumedSessions: 0,
      cloudwatchBilling: { metricsRequested: 0, putMetricDataRequests: 0, customMetricSeries: 0 },
    });
  });
});
