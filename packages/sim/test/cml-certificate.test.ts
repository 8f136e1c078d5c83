import { connect } from "node:tls";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { cmlOf, control, patchCml } from "./support/control";
import { PATIENCE, useSimulator } from "./support/simulator";

/** The committed certificates' SHA-256 fingerprints (certs/README.md). */
const DEFAULT_FINGERPRINT =
  "7E:EC:16:44:45:AB:EA:B6:61:DF:27:5E:38:7B:E3:4B:A9:72:62:26:22:63:CD:33:AC:4C:77:A2:10:28:48:4E";
const ALTERNATE_FINGERPRINT =
  "BD:41:68:66:88:17:A9:33:D8:87:0E:6C:35:3C:95:63:7A:C7:80:2D:55:C3:A1:97:B4:4F:1B:23:4E:66:75:7B";

/** The SHA-256 fingerprint of the certificate a fresh TLS connection to host:port is shown. */
function presentedFingerprint(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once("error", reject);
  });
}

describe("swapping a simulated CML's certificate", () => {
  const suite = useSimulator({ bootDelayMs: 50, cmlReadyDelayMs: 50 });
  let instance: SimInstanceView;
  const presented = () => presentedFingerprint(instance.publicIp ?? "", suite.sim.cmlPort);

  beforeAll(async () => {
    instance = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {
      region: "us-east-1",
      tags: { Name: "cert-swap" },
    });
    await vi.waitFor(
      async () => expect((await cmlOf(suite.sim.url, instance.instanceId)).listening).toBe(true),
      PATIENCE,
    );
  });

  it("serves the default certificate, the alternate one once told, and the default again", async () => {
    expect(await presented()).toBe(DEFAULT_FINGERPRINT);
    await patchCml(suite.sim.url, instance.instanceId, { certificate: "alternate" });
    expect(await presented()).toBe(ALTERNATE_FINGERPRINT);
    await patchCml(suite.sim.url, instance.instanceId, { certificate: "default" });
    expect(await presented()).toBe(DEFAULT_FINGERPRINT);
  });

  it("refuses an unknown certificate name with 400 and changes nothing", async () => {
    const response = await fetch(`${suite.sim.url}/_sim/instances/${instance.instanceId}/cml`, {
      method: "PATCH",
      body: JSON.stringify({ certificate: "attacker" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'certificate must be one of "default", "alternate"' });
    expect(await presented()).toBe(DEFAULT_FINGERPRINT);
  });
});
