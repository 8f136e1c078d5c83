import { describe, expect, it } from "vitest";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { aWorker } from "../../test/support/worker-factory";
import { systemActor } from "../domain/actor";
import type { CmlTrust } from "../domain/worker";
import { endpointOf, waitUntilCmlReady } from "./instance-readiness";
import { createTelemetrySweepService } from "./telemetry-sweep.service";
import { applyObservation, type WorkerObservation } from "./worker-observation";

const PINNED =
  "7E:EC:16:44:45:AB:EA:B6:61:DF:27:5E:38:7B:E3:4B:A9:72:62:26:22:63:CD:33:AC:4C:77:A2:10:28:48:4E";
const OTHER =
  "BD:41:68:66:88:17:A9:33:D8:87:0E:6C:35:3C:95:63:7A:C7:80:2D:55:C3:A1:97:B4:4F:1B:23:4E:66:75:7B";
const actor = systemActor("telemetry");
const FLEET_TAG = { "cml-fleet:managed": "true" };
const now = new Date("2026-01-05T10:00:00Z");

const trust = (overrides: Partial<CmlTrust> = {}): CmlTrust => ({
  confirmed: true,
  certificateFingerprint: PINNED,
  rejectedFingerprint: null,
  ...overrides,
});

function refusedLook(presented: string, pinned = PINNED): WorkerObservation {
  return {
    instance: null,
    statusCheck: null,
    metrics: null,
    cml: {
      reachable: false,
      error: "certificate does not match",
      certificateMismatch: { presented, pinned },
    },
    at: now,
  };
}

describe("a CML certificate that does not match the pin, as an observation applies it", () => {
  it("makes the service ERROR with the reason, records the refused certificate and one event", () => {
    const worker = aWorker({ status: "RUNNING", serviceStatus: "AVAILABLE", cmlTrust: trust() });
    const applied = applyObservation(worker, refusedLook(OTHER), 443, actor, now);

    expect(applied.worker.serviceStatus).toBe("ERROR");
    expect(applied.worker.cmlTrust).toEqual(trust({ rejectedFingerprint: OTHER }));
    expect(applied.events.map((event) => [event.type, event.reason ?? event.data])).toEqual([
      ["worker.service_status_changed", "certificate does not match"],
      ["worker.certificate_mismatch", expect.stringContaining("trustWorkerCertificate")],
    ]);
    expect(applied.events[1]?.data).toEqual({ presented: OTHER, pinned: PINNED });
    expect(applied.moved).toBe(true);

    // The next sweep meets the same certificate: nothing new to say.
    const again = applyObservation(applied.worker, refusedLook(OTHER), 443, actor, now);
    expect(again.events).toEqual([]);
    expect(again.worker.cmlTrust).toEqual(applied.worker.cmlTrust);
  });

  it("says nothing when an ADMIN re-pinned the worker since the refused look", () => {
    const worker = aWorker({
      status: "RUNNING",
      serviceStatus: "AVAILABLE",
      cmlTrust: trust({ certificateFingerprint: OTHER }),
    });
    const applied = applyObservation(worker, refusedLook(OTHER, PINNED), 443, actor, now);
    expect(applied.events.map((event) => event.type)).not.toContain("worker.certificate_mismatch");
    expect(applied.worker.cmlTrust).toEqual(trust({ certificateFingerprint: OTHER }));
  });
});

describe("an unconfirmed worker", () => {
  it("has no CML endpoint, so no CML call can be made for it", () => {
    const confirmed = aWorker({ endpoint: "https://203.0.113.7:443", cmlTrust: trust() });
    expect(endpointOf(confirmed)).toEqual({
      workerId: confirmed.id,
      baseUrl: "https://203.0.113.7:443",
      certificatePin: PINNED,
    });
    expect(endpointOf({ ...confirmed, cmlTrust: trust({ confirmed: false }) })).toBeNull();
  });

  it("is swept for EC2 figures while its CML is not asked and its service status stays as it was", async () => {
    const deps = fakeServiceDeps();
    const unconfirmed = await deps.seedRunning(
      {
        serviceStatus: "UNKNOWN",
        cmlTrust: trust({ confirmed: false, certificateFingerprint: null }),
      },
      FLEET_TAG,
    );
    const confirmed = await deps.seedRunning(
      { cmlTrust: trust({ certificateFingerprint: null }) },
      FLEET_TAG,
    );
    const service = createTelemetrySweepService({
      ...deps,
      sweep: {
        cmlApiPort: 443,
        cmlConcurrency: 4,
        perWorkerTimeoutMs: 200,
        metricWindowMs: 600_000,
        metricPeriodSeconds: 60,
        retentionMs: null,
      },
    });

    const summary = await service.sweep();

    expect(summary).toMatchObject({ workers: 2, cmlUnreachable: 0 });
    // The fake CML makes a worker's state on its first call: the unconfirmed one's was never called.
    expect(deps.cml.state.has(unconfirmed.id)).toBe(false);
    expect(deps.cml.state.has(confirmed.id)).toBe(true);
    const after = await deps.workers.findById(unconfirmed.id);
    expect(after?.serviceStatus).toBe("UNKNOWN");
    expect(after?.telemetry).toMatchObject({ cmlReachable: false, runningNodes: null });
  });
});

describe("starting an unconfirmed worker", () => {
  it("waits for its instance but never for its CML: the service is UNKNOWN, with the reason", async () => {
    const deps = fakeServiceDeps();
    const worker = await deps.seedRunning({
      serviceStatus: "STARTING",
      cmlTrust: trust({ confirmed: false, certificateFingerprint: null }),
    });
    const ready = await waitUntilCmlReady(
      {
        ...deps,
        readiness: {
          cmlApiPort: 443,
          bootTimeoutMs: 1_000,
          cmlReadyTimeoutMs: 1_000,
          pollInitialMs: 1,
          pollMaxMs: 1,
        },
      },
      worker,
      actor,
    );
    expect(ready.serviceStatus).toBe("UNKNOWN");
    expect(deps.cml.state.has(worker.id)).toBe(false);
    const [event] = (await deps.workers.listEvents(worker.id, 10)).filter(
      (entry) => entry.type === "worker.service_status_changed",
    );
    expect(event?.reason).toMatch(/no ADMIN has confirmed it \(confirmWorker\)/);
  });
});
