import { userActor } from "@cml-fleet/core/domain/actor";
import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { describe, expect, it } from "vitest";
import { createRedisLicenseTokenVault } from "../../platform/src/redis/redis-license-token-vault";
import { patchCml, provisionWorkers, waitForWorker } from "./support/fleet-driver";
import { useHarness } from "./support/fleet-harness";

const admin = userActor("u-admin", "admin");

describe("a license token handed to registerLicense", () => {
  // No CML_LICENSE_TOKEN: the only token is the one handed over, kept in the vault.
  const fleet = useHarness("license-token-retry", { env: { CML_LICENSE_TOKEN: "" } });

  it("survives a transient CML failure: the retry registers with the same token, which is then gone from Redis", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["licensed"]);
    const workerId = worker?.id ?? "";
    await patchCml(fleet, worker?.instanceId ?? null, { failRegistrations: 1 });
    const keys = redisPrefixes(fleet.keyPrefix).keys;
    // What registerLicense does with a token: kept in the vault, the job carries the reference.
    const tokenRef = await createRedisLicenseTokenVault(fleet.redis, keys).put("good-operator-token");
    const tokenKey = `${keys}license-token:${tokenRef}`;
    expect(await fleet.redis.get(tokenKey)).toBe("good-operator-token");

    const job = await fleet.queue.enqueue("register-license", {
      workerId,
      actor: admin,
      useConfiguredToken: false,
      tokenRef,
    });
    await fleet.queue.waitForResult(job.id, 60_000);

    await waitForWorker(fleet, workerId, { license: { status: "REGISTERED" } });
    const cml = await fleet.simJson<{ registerCalls: number; licenseStatus: string }>(
      `/_sim/instances/${worker?.instanceId}/cml`,
    );
    // The first registration failed (503), the retry registered with the same token.
    expect(cml).toMatchObject({ registerCalls: 2, licenseStatus: "COMPLETED" });
    expect(await fleet.redis.exists(tokenKey)).toBe(0);
  });

  it("is gone from Redis once the job finally failed", { timeout: 120_000 }, async () => {
    const [worker] = await provisionWorkers(fleet, ["unlucky"]);
    const workerId = worker?.id ?? "";
    // More failures than the job's attempts (CML_JOB_ATTEMPTS=3 in the harness).
    await patchCml(fleet, worker?.instanceId ?? null, { failRegistrations: 10 });
    const keys = redisPrefixes(fleet.keyPrefix).keys;
    const tokenRef = await createRedisLicenseTokenVault(fleet.redis, keys).put("good-operator-token");

    const job = await fleet.queue.enqueue("register-license", {
      workerId,
      actor: admin,
      useConfiguredToken: false,
      tokenRef,
    });
    await expect(fleet.queue.waitForResult(job.id, 60_000)).rejects.toThrow(/failed/);

    const cml = await fleet.simJson<{ registerCalls: number }>(`/_sim/instances/${worker?.instanceId}/cml`);
    expect(cml.registerCalls).toBe(3);
    expect(await fleet.redis.exists(`${keys}license-token:${tokenRef}`)).toBe(0);
  });
});
