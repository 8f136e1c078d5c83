import { readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCmlClient, type HttpCmlClient } from "../../src/adapters/cml/create-cml-client";
import { normalizeFingerprint } from "../../src/domain/certificate-fingerprint";
import { CmlCertificateMismatchError } from "../../src/errors";
import type { CmlCertificatePins, CmlEndpoint } from "../../src/ports/cml-client.port";
import { silentLogger } from "../support/silent-logger";
import { readySimWorker, simControl } from "../support/sim-support";

/** The simulator's two committed certificates (packages/sim/certs/README.md). */
const SIM_DEFAULT =
  "7E:EC:16:44:45:AB:EA:B6:61:DF:27:5E:38:7B:E3:4B:A9:72:62:26:22:63:CD:33:AC:4C:77:A2:10:28:48:4E";
const SIM_ALTERNATE =
  "BD:41:68:66:88:17:A9:33:D8:87:0E:6C:35:3C:95:63:7A:C7:80:2D:55:C3:A1:97:B4:4F:1B:23:4E:66:75:7B";

const LOGIN = "POST /api/v0/auth_extended";

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
const clients: HttpCmlClient[] = [];

/** First-use pins kept in a map, with the port's compare-and-set contract (the worker repository's, in production). */
function pinStore(initial: Record<string, string> = {}) {
  const pins = new Map(Object.entries(initial));
  const store: CmlCertificatePins = {
    pinFirstCertificate(workerId, fingerprint) {
      if (!pins.has(workerId)) {
        pins.set(workerId, fingerprint);
      }
      return Promise.resolve(pins.get(workerId) ?? null);
    },
  };
  return { store, pins };
}

function client(pins: CmlCertificatePins | undefined, maxIdleConnections?: number): HttpCmlClient {
  const created = createCmlClient({
    maxIdleConnections,
    username: "fleet",
    password: "fleet-secret",
    tls: { verify: false },
    certificatePins: pins,
    requestTimeoutMs: 10_000,
    logger: silentLogger,
  });
  clients.push(created);
  return created;
}

const swapCertificate = (instanceId: string, certificate: "default" | "alternate") =>
  control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { certificate });

/** Every CML call the simulator received since the last reset (any worker). */
const cmlCalls = async () => Object.values((await control.stats()).cml).reduce((sum, n) => sum + n, 0);

async function mismatch(promise: Promise<unknown>): Promise<CmlCertificateMismatchError> {
  const error = await promise.then(
    () => expect.unreachable("the call succeeded"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CmlCertificateMismatchError);
  return error as CmlCertificateMismatchError;
}

beforeAll(async () => {
  sim = await startSimulator({
    bootDelayMs: 50,
    stopDelayMs: 50,
    cmlReadyDelayMs: 50,
    cmlUsername: "fleet",
    cmlPassword: "fleet-secret",
  });
  control = simControl(sim);
});

afterAll(async () => {
  for (const created of clients) {
    created.close();
  }
  await sim.close();
});

describe("CML certificate pinning over the simulator's HTTPS", () => {
  it("pins the certificate of the first contact, then refuses another one before anything is sent", async () => {
    const { store, pins } = pinStore();
    const cml = client(store);
    const { instanceId, endpoint } = await readySimWorker(sim, control);

    expect((await cml.licensing(endpoint)).status).toBe("EVALUATION");
    expect(pins.get(endpoint.workerId)).toBe(SIM_DEFAULT);

    await swapCertificate(instanceId, "alternate");
    await control.resetStats();
    // The worker row says nothing yet (a stale read), the store does: still refused.
    const stale = await mismatch(cml.licensing(endpoint));
    expect(stale).toMatchObject({
      kind: "certificate-mismatch",
      retryable: false,
      workerId: endpoint.workerId,
      pinned: SIM_DEFAULT,
      presented: SIM_ALTERNATE,
    });
    const pinned: CmlEndpoint = { ...endpoint, certificatePin: SIM_DEFAULT };
    await mismatch(cml.systemStats(pinned));
    await mismatch(cml.systemInformation(pinned));
    // The handshake happened, no request did: not the login (no password), not the unauthenticated probe.
    expect(await cmlCalls()).toBe(0);
    expect(pins.get(endpoint.workerId)).toBe(SIM_DEFAULT);
  });

  it("resumes a worker's TLS session on its next connection, held to the certificate the session was made with", async () => {
    const { store, pins } = pinStore();
    // No connection is kept: every request connects anew, as a worker past the bound on idle connections does.
    const cml = client(store, 0);
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await cml.systemInformation(endpoint);
    expect(pins.get(endpoint.workerId)).toBe(SIM_DEFAULT);

    await control.resetStats();
    await cml.systemInformation(endpoint);
    await cml.licensing({ ...endpoint, certificatePin: SIM_DEFAULT });
    expect(await control.stats()).toMatchObject({ cmlConnections: 3, cmlResumedSessions: 3 });

    // Another certificate is another TLS context: the session is refused, the full handshake shows the new
    // certificate, and nothing is sent.
    await swapCertificate(instanceId, "alternate");
    await control.resetStats();
    expect(await mismatch(cml.systemInformation(endpoint))).toMatchObject({
      pinned: SIM_DEFAULT,
      presented: SIM_ALTERNATE,
    });
    expect(await control.stats()).toMatchObject({ cmlResumedSessions: 0 });
    expect(await cmlCalls()).toBe(0);
  });

  it("cuts no corner on a kept-alive connection: the next new connection is checked again", async () => {
    const { store } = pinStore();
    const cml = client(store);
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    const pinned: CmlEndpoint = { ...endpoint, certificatePin: SIM_DEFAULT };
    await cml.systemStats(pinned);
    await swapCertificate(instanceId, "alternate");
    await control.resetStats();
    await mismatch(cml.systemStats(pinned));
    expect((await control.stats()).cml[LOGIN]).toBeUndefined();
  });

  it("accepts the new certificate once the endpoint is pinned to it (an ADMIN's trust)", async () => {
    const { store } = pinStore();
    const cml = client(store);
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await swapCertificate(instanceId, "alternate");
    await mismatch(cml.licensing({ ...endpoint, certificatePin: SIM_DEFAULT }));

    const trusted: CmlEndpoint = { ...endpoint, certificatePin: SIM_ALTERNATE };
    await control.resetStats();
    expect((await cml.licensing(trusted)).status).toBe("EVALUATION");
    expect((await control.stats()).cml[LOGIN]).toBe(1);
  });

  it("holds a first contact to a pin another process recorded first", async () => {
    const { endpoint } = await readySimWorker(sim, control);
    const { store } = pinStore({ [endpoint.workerId]: SIM_ALTERNATE });
    const cml = client(store);
    await control.resetStats();
    expect(await mismatch(cml.licensing(endpoint))).toMatchObject({
      pinned: SIM_ALTERNATE,
      presented: SIM_DEFAULT,
    });
    expect(await cmlCalls()).toBe(0);
  });

  it("keeps a worker's first-use connections once its requests carry the pin they recorded", async () => {
    const { store, pins } = pinStore();
    const cml = client(store);
    const { endpoint } = await readySimWorker(sim, control);
    await control.resetStats();
    await Promise.all([cml.licensing(endpoint), cml.systemStats(endpoint), cml.systemInformation(endpoint)]);
    const firstUse = (await control.stats()).cmlConnections;
    expect(firstUse).toBeGreaterThan(0);

    // The next sweep reads the worker with its pin: same certificate, same connections, no handshake.
    const pinned: CmlEndpoint = { ...endpoint, certificatePin: pins.get(endpoint.workerId) ?? null };
    expect(pinned.certificatePin).toBe(SIM_DEFAULT);
    await control.resetStats();
    await Promise.all([cml.licensing(pinned), cml.systemStats(pinned), cml.systemInformation(pinned)]);
    const stats = await control.stats();
    expect(stats.cmlConnections).toBe(0);
    expect(stats.cml[LOGIN]).toBeUndefined();
  });

  it("never lends a connection that presented an earlier certificate to a request pinned to the new one", async () => {
    const { store, pins } = pinStore();
    const cml = client(store);
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await cml.systemStats(endpoint);
    // An ADMIN clears the pin after the worker's certificate changed: the next first contact pins the new one.
    pins.delete(endpoint.workerId);
    await swapCertificate(instanceId, "alternate");
    await cml.systemStats(endpoint);
    expect(pins.get(endpoint.workerId)).toBe(SIM_ALTERNATE);
    // Requests pinned to the old certificate are refused, on any connection old or new.
    await mismatch(cml.systemStats({ ...endpoint, certificatePin: SIM_DEFAULT }));
    expect((await cml.systemStats({ ...endpoint, certificatePin: SIM_ALTERNATE })).cpuPercent).toBeDefined();
  });

  it("enforces an endpoint's pin even without a pin store", async () => {
    const cml = client(undefined);
    const { endpoint } = await readySimWorker(sim, control);
    expect((await cml.systemInformation(endpoint)).ready).toBe(true);
    await mismatch(cml.systemInformation({ ...endpoint, certificatePin: SIM_ALTERNATE }));
  });
});

describe("with verification on (a CA bundle), the pin applies on top", () => {
  const certs = new URL("../../../sim/certs/", import.meta.url);
  const read = (name: string) => readFileSync(new URL(name, certs), "utf8");
  let server: https.Server;
  let baseUrl = "";
  let requests = 0;

  beforeAll(async () => {
    // The simulator's default certificate names 127.0.0.1, so a client can verify it against itself as CA.
    server = https.createServer(
      { key: read("cml-test-key.pem"), cert: read("cml-test-cert.pem") },
      (_req, res) => {
        requests++;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ version: "2.9.0", ready: true }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const verifying = (ca: string) =>
    createCmlClient({
      username: "fleet",
      password: "fleet-secret",
      tls: { verify: true, caBundle: ca },
      requestTimeoutMs: 5_000,
      logger: silentLogger,
    });

  it("needs both: a verified chain and the pinned certificate", async () => {
    const trusted = verifying(read("cml-test-cert.pem"));
    clients.push(trusted);
    const endpoint: CmlEndpoint = { workerId: "w-ca", baseUrl, certificatePin: SIM_DEFAULT };
    expect((await trusted.systemInformation(endpoint)).ready).toBe(true);
    expect(requests).toBe(1);

    // Verified by the CA, but not the pinned certificate: refused, nothing sent.
    await mismatch(trusted.systemInformation({ ...endpoint, certificatePin: SIM_ALTERNATE }));
    // Pinned, but not signed by the configured CA: refused by verification, nothing sent.
    const otherCa = verifying(read("cml-test-alternate-cert.pem"));
    clients.push(otherCa);
    const unverified = await otherCa.systemInformation(endpoint).then(
      () => expect.unreachable("an unverified certificate was accepted"),
      (error: unknown) => error,
    );
    expect(unverified).toMatchObject({ kind: "unreachable" });
    expect(requests).toBe(1);
  });
});

describe("normalizeFingerprint", () => {
  it("accepts colon-separated or bare hex in any case, and nothing else", () => {
    expect(normalizeFingerprint(SIM_DEFAULT.toLowerCase())).toBe(SIM_DEFAULT);
    expect(normalizeFingerprint(SIM_DEFAULT.replaceAll(":", ""))).toBe(SIM_DEFAULT);
    expect(normalizeFingerprint(` ${SIM_DEFAULT} `)).toBe(SIM_DEFAULT);
    expect(normalizeFingerprint(SIM_DEFAULT.slice(3))).toBeNull();
    expect(normalizeFingerprint(`${SIM_DEFAULT.slice(0, -2)}ZZ`)).toBeNull();
    expect(normalizeFingerprint("")).toBeNull();
  });
});
