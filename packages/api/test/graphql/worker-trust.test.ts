import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("worker-trust");

const PINNED =
  "7E:EC:16:44:45:AB:EA:B6:61:DF:27:5E:38:7B:E3:4B:A9:72:62:26:22:63:CD:33:AC:4C:77:A2:10:28:48:4E";
const PRESENTED =
  "BD:41:68:66:88:17:A9:33:D8:87:0E:6C:35:3C:95:63:7A:C7:80:2D:55:C3:A1:97:B4:4F:1B:23:4E:66:75:7B";

const TRUST_FIELDS = "id confirmed cmlCertificateFingerprint cmlRejectedCertificateFingerprint";
const TRUST = `mutation ($id: ID!, $fingerprint: String) {
  trustWorkerCertificate(id: $id, fingerprint: $fingerprint) { ${TRUST_FIELDS} }
}`;
const CONFIRM = `mutation ($id: ID!) { confirmWorker(id: $id) { ${TRUST_FIELDS} } }`;

interface TrustView {
  readonly id: string;
  readonly confirmed: boolean;
  readonly cmlCertificateFingerprint: string | null;
  readonly cmlRejectedCertificateFingerprint: string | null;
}

async function seed(overrides: Partial<Worker>): Promise<Worker> {
  const worker = aWorker({ status: "RUNNING", ...overrides });
  await fleet.workers.insert(worker, [
    anEvent({ workerId: worker.id, at: worker.createdAt, message: "seeded", actor: userActor("t", "t") }),
  ]);
  return worker;
}

const asAdmin = (query: string, variables: Record<string, unknown>) =>
  gql<Record<string, TrustView>>(api.url, query, { token: fleet.tokens.ADMIN, variables });

async function trustEvents(workerId: string) {
  return (await fleet.workers.listEvents(workerId, 50)).filter(
    (event) => event.type === "worker.certificate_trusted" || event.type === "worker.confirmed",
  );
}

describe("trusting a worker's CML", () => {
  it("shows the pin and a refused certificate on Worker", async () => {
    const worker = await seed({
      cmlTrust: { confirmed: true, certificateFingerprint: PINNED, rejectedFingerprint: PRESENTED },
    });
    const answer = await gql<{ worker: TrustView }>(
      api.url,
      `query ($id: ID!) { worker(id: $id) { ${TRUST_FIELDS} } }`,
      { token: fleet.tokens.VIEWER, variables: { id: worker.id } },
    );
    expect(dataOf(answer).worker).toEqual({
      id: worker.id,
      confirmed: true,
      cmlCertificateFingerprint: PINNED,
      cmlRejectedCertificateFingerprint: PRESENTED,
    });
  });

  it("lets an ADMIN pin the refused certificate (any hex form), with an event and an audit row", async () => {
    const worker = await seed({
      cmlTrust: { confirmed: true, certificateFingerprint: PINNED, rejectedFingerprint: PRESENTED },
    });
    const answer = await asAdmin(TRUST, {
      id: worker.id,
      fingerprint: PRESENTED.replaceAll(":", "").toLowerCase(),
    });
    expect(dataOf(answer).trustWorkerCertificate).toEqual({
      id: worker.id,
      confirmed: true,
      cmlCertificateFingerprint: PRESENTED,
      cmlRejectedCertificateFingerprint: null,
    });
    expect(await trustEvents(worker.id)).toEqual([
      expect.objectContaining({
        type: "worker.certificate_trusted",
        actor: expect.objectContaining({ kind: "user" }),
        data: { from: PINNED, to: PRESENTED },
      }),
    ]);
    const audit = await createAuditRepository(fleet.db.db).list(20);
    expect(audit).toContainEqual(
      expect.objectContaining({
        operation: "trustWorkerCertificate",
        outcome: "ok",
        role: "ADMIN",
        arguments: { id: worker.id, fingerprint: PRESENTED },
      }),
    );
  });

  it("lets an ADMIN clear the pin, so that the next contact pins again", async () => {
    const worker = await seed({
      cmlTrust: { confirmed: true, certificateFingerprint: PINNED, rejectedFingerprint: null },
    });
    const answer = await asAdmin(TRUST, { id: worker.id });
    expect(dataOf(answer).trustWorkerCertificate?.cmlCertificateFingerprint).toBeNull();
    expect((await fleet.workers.findById(worker.id))?.cmlTrust?.certificateFingerprint).toBeNull();
  });

  it("refuses an OPERATOR and a VIEWER (FORBIDDEN) and changes nothing", async () => {
    const worker = await seed({
      cmlTrust: { confirmed: false, certificateFingerprint: PINNED, rejectedFingerprint: PRESENTED },
    });
    for (const token of [fleet.tokens.OPERATOR, fleet.tokens.VIEWER]) {
      const trust = await gql(api.url, TRUST, {
        token,
        variables: { id: worker.id, fingerprint: PRESENTED },
      });
      expect(codes(trust)).toEqual(["FORBIDDEN"]);
      const confirm = await gql(api.url, CONFIRM, { token, variables: { id: worker.id } });
      expect(codes(confirm)).toEqual(["FORBIDDEN"]);
    }
    const stored = await fleet.workers.findById(worker.id);
    expect(stored?.cmlTrust).toEqual({
      confirmed: false,
      certificateFingerprint: PINNED,
      rejectedFingerprint: PRESENTED,
    });
    expect(stored?.version).toBe(worker.version);
    expect(await trustEvents(worker.id)).toEqual([]);
  });

  it("answers a fingerprint that is not one with BAD_USER_INPUT, naming the form, and changes nothing", async () => {
    const worker = await seed({
      cmlTrust: { confirmed: true, certificateFingerprint: PINNED, rejectedFingerprint: null },
    });
    for (const fingerprint of ["", "sha256:abc", `${PRESENTED}:00`, `${PRESENTED.slice(0, -1)}G`]) {
      const answer = await asAdmin(TRUST, { id: worker.id, fingerprint });
      expect(codes(answer)).toEqual(["BAD_USER_INPUT"]);
      expect(answer.errors[0]?.message).toMatch(/64 hex digits/);
    }
    // Control characters are refused too (by the API's input net, or else by the fingerprint's form).
    const control = await asAdmin(TRUST, { id: worker.id, fingerprint: `${PRESENTED.slice(0, -1)}\u0000` });
    expect(codes(control)).toEqual(["BAD_USER_INPUT"]);
    const badId = await asAdmin(TRUST, { id: "w\u0000", fingerprint: PRESENTED });
    expect(codes(badId)).toEqual(["BAD_USER_INPUT"]);
    expect((await fleet.workers.findById(worker.id))?.version).toBe(worker.version);
  });

  it("lets an ADMIN confirm an auto-imported worker, once", async () => {
    const worker = await seed({
      cmlTrust: { confirmed: false, certificateFingerprint: null, rejectedFingerprint: null },
    });
    const first = await asAdmin(CONFIRM, { id: worker.id });
    expect(dataOf(first).confirmWorker).toMatchObject({ confirmed: true, cmlCertificateFingerprint: null });
    const again = await asAdmin(CONFIRM, { id: worker.id });
    expect(dataOf(again).confirmWorker?.confirmed).toBe(true);
    expect((await trustEvents(worker.id)).map((event) => event.type)).toEqual(["worker.confirmed"]);
  });

  it("answers NOT_FOUND for an unknown worker and CONFLICT for a terminated one", async () => {
    expect(codes(await asAdmin(CONFIRM, { id: "no-such-worker" }))).toEqual(["NOT_FOUND"]);
    const gone = await seed({ status: "TERMINATED" });
    expect(codes(await asAdmin(TRUST, { id: gone.id, fingerprint: PINNED }))).toEqual(["CONFLICT"]);
  });
});
