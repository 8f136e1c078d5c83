import { Agent, request } from "node:https";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import type { StatsSnapshot } from "../src/stats";
import { cmlOf, control } from "./support/control";
import { httpsJson } from "./support/https-json";
import { PATIENCE, useSimulator } from "./support/simulator";

/** One GET over `agent`, the answer read to its end (so the connection goes back to the agent's pool). */
function getOver(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the CML connection counter (cmlConnections)", () => {
  const suite = useSimulator({ bootDelayMs: 50, cmlReadyDelayMs: 50 });
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  let base: string;

  const stats = () => control<StatsSnapshot>(suite.sim.url, "GET", "/_sim/stats");

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

  afterAll(() => keepAlive.destroy());

  it("counts one connection per request made without keep-alive", async () => {
    await control(suite.sim.url, "DELETE", "/_sim/stats");
    for (let index = 0; index < 3; index += 1) {
      expect((await httpsJson(`${base}/system_information`)).status).toBe(200);
    }
    expect((await stats()).cmlConnections).toBe(3);
  });

  it("counts one connection for requests that reuse a kept-alive one, and none after a reset", async () => {
    await control(suite.sim.url, "DELETE", "/_sim/stats");
    for (let index = 0; index < 3; index += 1) {
      expect(await getOver(keepAlive, `${base}/system_information`)).toBe(200);
    }
    expect((await stats()).cmlConnections).toBe(1);

    await control(suite.sim.url, "DELETE", "/_sim/stats");
    expect(await getOver(keepAlive, `${base}/system_information`)).toBe(200);
    expect(await stats()).toMatchObject({ cmlConnections: 0, cml: { "GET /api/v0/system_information": 1 } });
  });

  it("counts the connections whose handshake resumed an earlier TLS session (cmlResumedSessions)", async () => {
    const resuming = new Agent({ keepAlive: false, maxCachedSessions: 10 });
    try {
      await control(suite.sim.url, "DELETE", "/_sim/stats");
      expect(await getOver(resuming, `${base}/system_information`)).toBe(200);
      expect(await getOver(resuming, `${base}/system_information`)).toBe(200);
      expect(await stats()).toMatchObject({ cmlConnections: 2, cmlResumedSessions: 1 });
    } finally {
      resuming.destroy();
    }
  });
});
