import { describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { SIM_DEFAULT_CML_PASSWORD } from "../src/options";
import { cmlOf, control, patchCml } from "./support/control";
import { httpsJson } from "./support/https-json";
import { PATIENCE, useSimulator } from "./support/simulator";

describe("failing license registrations on the simulated CML", () => {
  const suite = useSimulator({ bootDelayMs: 100, cmlReadyDelayMs: 100, licenseRegistrationDelayMs: 100 });

  it("answers 503 to the next failRegistrations registrations, then registers as usual", async () => {
    const instance = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {});
    const cml = () => cmlOf(suite.sim.url, instance.instanceId);
    await vi.waitFor(
      async () => expect(await cml()).toMatchObject({ listening: true, ready: true }),
      PATIENCE,
    );
    const base = `https://${instance.publicIp}:${suite.sim.cmlPort}/api/v0`;
    const signIn = await httpsJson(`${base}/auth_extended`, {
      method: "POST",
      body: { username: "admin", password: SIM_DEFAULT_CML_PASSWORD },
    });
    const { token } = signIn.body as { token: string };
    const register = () =>
      httpsJson(`${base}/licensing/registration`, {
        method: "POST",
        token,
        body: { token: "good-token", reregister: false },
      });

    expect(await patchCml(suite.sim.url, instance.instanceId, { failRegistrations: 2 })).toMatchObject({
      failRegistrations: 2,
    });
    expect((await register()).status).toBe(503);
    expect((await register()).status).toBe(503);
    expect(await cml()).toMatchObject({
      licenseStatus: "NOT_REGISTERED",
      failRegistrations: 0,
      registerCalls: 2,
    });
    expect((await register()).status).toBe(204);
    expect(await cml()).toMatchObject({ licenseStatus: "IN_PROGRESS", registerCalls: 3 });
    const refused = await fetch(`${suite.sim.url}/_sim/instances/${instance.instanceId}/cml`, {
      method: "PATCH",
      body: JSON.stringify({ failRegistrations: -1 }),
    });
    expect(refused.status).toBe(400);
  });
});
