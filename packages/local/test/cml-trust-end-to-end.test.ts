import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { describe, expect, it, vi } from "vitest";
import { codes, gql, workerById } from "../../api/test/graphql/support/graphql-client";
import { runOnce } from "../../jobs/test/support/fleet-driver";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_trust-admin-token-0123456789abcdef0123456789";

/** The simulator's two committed certificates (packages/sim/certs/README.md). */
const SIM_DEFAULT =
  "7E:EC:16:44:45:AB:EA:B6:61:DF:27:5E:38:7B:E3:4B:A9:72:62:26:22:63:CD:33:AC:4C:77:A2:10:28:48:4E";
const SIM_ALTERNATE =
  "BD:41:68:66:88:17:A9:33:D8:87:0E:6C:35:3C:95:63:7A:C7:80:2D:55:C3:A1:97:B4:4F:1B:23:4E:66:75:7B";

interface TrustView {
  readonly id: string;
  readonly status: string;
  readonly serviceStatus: string;
  readonly confirmed: boolean;
  readonly cmlCertificateFingerprint: string | null;
  readonly cmlRejectedCertificateFingerprint: string | null;
}

const FIELDS =
  "id status serviceStatus confirmed cmlCertificateFingerprint cmlRejectedCertificateFingerprint";

interface SimStats {
  readonly ec2: Readonly<Record<string, number>>;
  readonly cml: Readonly<Record<string, number>>;
}

describe("trusting workers' CML, through the API, the job workers and the simulator's HTTPS", () => {
  const fleet = useHarness("cml-trust", {
    env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_WORKER_AUTO_IMPORT_ORPHANS: "true", CML_LICENSE_TOKEN: "" },
  });
  const api = useHarnessApi(fleet, { adminToken: ADMIN });
  /** The orphan reconciliation imports; confirmed and then pinned by the first test, used by the second. */
  let workerId = "";
  let instanceId = "";

  const view = async () =>
    (await workerById<TrustView>(api.admin, workerId, FIELDS)) ?? expect.unreachable("the worker is gone");
  const stats = () => fleet.simJson<SimStats>("/_sim/stats");
  const resetStats = () => fleet.simJson("/_sim/stats", { method: "DELETE" });
  const eventsOf = async (type: FleetEvent["type"]) =>
    (await fleet.workers.listEvents(workerId, 200)).filter((event) => event.type === type);
  const asOperator = (query: string, variables: Record<string, unknown>) =>
    gql(api.url, query, { token: api.operatorToken, variables });

  it("an orphan that reconciliation imports gets no CML call until an ADMIN confirms it", {
    timeout: 120_000,
  }, async () => {
    const stray = await fleet.simJson<{ instanceId: string }>("/_sim/instances", {
      method: "POST",
      body: JSON.stringify({
        region: "us-east-1",
        tags: { "cml-fleet:managed": "true", Name: "stray" },
      }),
    });
    instanceId = stray.instanceId;
    await vi.waitFor(async () => {
      const cml = await fleet.simJson<{ ready: boolean; listening: boolean }>(
        `/_sim/instances/${instanceId}/cml`,
      );
      expect(cml).toMatchObject({ ready: true, listening: true });
    }, PATIENCE);
    await resetStats();

    const summary = (await runOnce(fleet, "reconcile")) as { imported: string[] };
    expect(summary.imported).toHaveLength(1);
    workerId = summary.imported[0] ?? "";
    await runOnce(fleet, "telemetry-sweep");
    await runOnce(fleet, "telemetry-sweep");

    expect(await view()).toMatchObject({
      status: "RUNNING",
      serviceStatus: "UNKNOWN",
      confirmed: false,
      cmlCertificateFingerprint: null,
    });
    const seen = await stats();
    // The sweeps did run (EC2 was asked), and not one request reached the instance's CML.
    expect(seen.ec2.DescribeInstances ?? 0).toBeGreaterThan(0);
    expect(seen.cml).toEqual({});
    expect(await eventsOf("worker.imported")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ confirmed: false }) }),
    ]);

    const confirm = `mutation ($id: ID!) { confirmWorker(id: $id) { ${FIELDS} } }`;
    const denied = await asOperator(confirm, { id: workerId });
    expect(codes(denied)).toEqual(["FORBIDDEN"]);
    await runOnce(fleet, "telemetry-sweep");
    expect((await stats()).cml).toEqual({});

    const confirmed = await api.admin<{ confirmWorker: TrustView }>(confirm, { id: workerId });
    expect(confirmed.confirmWorker.confirmed).toBe(true);
    await runOnce(fleet, "telemetry-sweep");

    // Confirmed: the next sweep talks to its CML, and the first handshake pins its certificate.
    expect(await view()).toMatchObject({
      serviceStatus: "AVAILABLE",
      confirmed: true,
      cmlCertificateFingerprint: SIM_DEFAULT,
      cmlRejectedCertificateFingerprint: null,
    });
    expect((await stats()).cml["POST /api/v0/auth_extended"]).toBe(1);
    expect(await eventsOf("worker.confirmed")).toHaveLength(1);
    expect(await eventsOf("worker.certificate_pinned")).toEqual([
      expect.objectContaining({ data: { fingerprint: SIM_DEFAULT } }),
    ]);
  });

  it("a pinned worker answering with another certificate is refused before the password is sent; only an ADMIN re-pins it", {
    timeout: 120_000,
  }, async () => {
    expect(workerId).not.toBe("");
    await fleet.simJson(`/_sim/instances/${instanceId}/cml`, {
      method: "PATCH",
      body: JSON.stringify({ certificate: "alternate" }),
    });
    await resetStats();

    await runOnce(fleet, "telemetry-sweep");
    await runOnce(fleet, "telemetry-sweep");

    expect(await view()).toMatchObject({
      serviceStatus: "ERROR",
      cmlCertificateFingerprint: SIM_DEFAULT,
      cmlRejectedCertificateFingerprint: SIM_ALTERNATE,
    });
    // The TLS handshake happened; no HTTP request did: no login (no password), not even the readiness probe.
    expect((await stats()).cml).toEqual({});
    // Recorded once, however many sweeps meet it.
    expect(await eventsOf("worker.certificate_mismatch")).toEqual([
      expect.objectContaining({ data: { presented: SIM_ALTERNATE, pinned: SIM_DEFAULT } }),
    ]);
    const [toError] = (await eventsOf("worker.service_status_changed")).filter(
      (event) => event.data.to === "ERROR",
    );
    expect(toError?.reason).toMatch(/does not match the one pinned/);

    const trust = `mutation ($id: ID!, $fingerprint: String) {
      trustWorkerCertificate(id: $id, fingerprint: $fingerprint) { ${FIELDS} }
    }`;
    const refused = await asOperator(trust, { id: workerId, fingerprint: SIM_ALTERNATE });
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    await runOnce(fleet, "telemetry-sweep");
    expect(await view()).toMatchObject({ serviceStatus: "ERROR", cmlCertificateFingerprint: SIM_DEFAULT });
    expect((await stats()).cml).toEqual({});

    // The ADMIN compares the refused fingerprint (on the worker, and in the event) and trusts it.
    const rejected = (await view()).cmlRejectedCertificateFingerprint;
    const trusted = await api.admin<{ trustWorkerCertificate: TrustView }>(trust, {
      id: workerId,
      fingerprint: rejected,
    });
    expect(trusted.trustWorkerCertificate).toMatchObject({
      cmlCertificateFingerprint: SIM_ALTERNATE,
      cmlRejectedCertificateFingerprint: null,
    });
    await runOnce(fleet, "telemetry-sweep");
    expect(await view()).toMatchObject({
      serviceStatus: "AVAILABLE",
      cmlCertificateFingerprint: SIM_ALTERNATE,
      cmlRejectedCertificateFingerprint: null,
    });
    expect((await stats()).cml["POST /api/v0/auth_extended"]).toBe(1);
  });
});
