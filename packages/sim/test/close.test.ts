import { describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { startSimulator } from "../src/simulator";
import { control } from "./support/control";
import { httpsJson } from "./support/https-json";
import { PATIENCE } from "./support/simulator";

describe("close()", () => {
  it("closes the endpoint and every CML listener, and is idempotent", async () => {
    const sim = await startSimulator({ bootDelayMs: 50, cmlReadyDelayMs: 0 });
    const instances = await control<SimInstanceView[]>(sim.url, "POST", "/_sim/instances", { count: 3 });
    const urls = instances.map(
      (instance) => `https://${instance.publicIp}:${sim.cmlPort}/api/v0/system_information`,
    );
    await vi.waitFor(() => Promise.all(urls.map((url) => httpsJson(url))), PATIENCE);

    await Promise.all([sim.close(), sim.close()]);

    await expect(fetch(`${sim.url}/_sim/instances`)).rejects.toThrow();
    for (const url of urls) {
      await expect(httpsJson(url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    }
  });
});
