import { beforeAll, describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import type { StatsSnapshot } from "../src/stats";
import { cmlOf, control } from "./support/control";
import { httpsJson } from "./support/https-json";
import { PATIENCE, useSimulator } from "./support/simulator";

/** How many requests are sent at once in each case. */
const PARALLEL = 5;

describe("the cmlLatencyMs fault and the CML in-flight peak", () => {
  const suite = useSimulator({ bootDelayMs: 50, cmlReadyDelayMs: 50 });
  let base: string;

  const stats = () => control<StatsSnapshot>(suite.sim.url, "GET", "/_sim/stats");
  const faults = (patch: Readonly<Record<string, unknown>>) =>
    fetch(`${suite.sim.url}/_sim/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(patch),
    });
  const askAtOnce = () =>
    Promise.all(Array.from({ length: PARALLEL }, () => httpsJson(`${base}/system_information`)));

  beforeAll(async () => {
    const instance = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {
      region: "us-east-1",
    });
    base = `https://${instance.publicIp}:${suite.sim.cmlPort}/api/v0`;
    await vi.waitFor(
      async () => expect((await cmlOf(suite.sim.url, instance.instanceId)).listening).toBe(true),
      PATIENCE,
    );
  });

  it("without latency answers each request before the next is taken up", async () => {
    await control(suite.sim.url, "DELETE", "/_sim/stats");
    const answers = await askAtOnce();
    expect(answers.map((answer) => answer.status)).toEqual(Array(PARALLEL).fill(200));
    const after = await stats();
    expect(after.cml["GET /api/v0/system_information"]).toBe(PARALLEL);
    expect(after.cmlInFlightPeak).toBe(1);
  });

  it("with latency holds every answer, so requests sent together are all in flight at once", async () => {
    expect((await faults({ cmlLatencyMs: 400 })).status).toBe(200);
    expect(await control(suite.sim.url, "GET", "/_sim/faults")).toMatchObject({
      cmlLatencyMs: 400,
      latencyMs: 0,
    });
    await control(suite.sim.url, "DELETE", "/_sim/stats");
    const answers = await askAtOnce();
    expect(answers.map((answer) => answer.status)).toEqual(Array(PARALLEL).fill(200));
    expect((await stats()).cmlInFlightPeak).toBe(PARALLEL);
    // A reset with nothing in flight starts the peak again from zero.
    await control(suite.sim.url, "DELETE", "/_sim/stats");
    expect((await stats()).cmlInFlightPeak).toBe(0);
    expect((await faults({ cmlLatencyMs: 0 })).status).toBe(200);
  });

  it("refuses a latency that is not a non-negative integer, keeping the current one", async () => {
    expect((await faults({ cmlLatencyMs: -1 })).status).toBe(400);
    expect((await faults({ cmlLatencyMs: "slow" })).status).toBe(400);
    expect(await control(suite.sim.url, "GET", "/_sim/faults")).toMatchObject({ cmlLatencyMs: 0 });
  });
});
