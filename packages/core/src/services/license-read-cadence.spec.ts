import { describe, expect, it } from "vitest";
import { aRunningWorker, at, T0, telemetry } from "../../test/support/worker-factory";
import type { Worker } from "../domain/worker";
import type { LicenseStatus } from "../domain/worker-status";
import type { CmlSystemHealth, CmlSystemStats } from "../ports/cml-client.port";
import { licenseContradicted, licenseReadPlan } from "./license-read-cadence";

const TEN_MINUTES = 10 * 60_000;

function worker(status: LicenseStatus, overrides: Partial<Worker> = {}): Worker {
  return aRunningWorker({
    license: { status, nodeLimit: 20, nodesInUse: 0, checkedAt: T0 },
    telemetry: telemetry({ runningNodes: 0 }),
    ...overrides,
  });
}

const health = (isLicensed: boolean): CmlSystemHealth => ({ valid: true, isLicensed, computesValid: true });
const stats = (runningNodes: number): CmlSystemStats => ({
  cpuPercent: 3,
  memoryPercent: 20,
  runningNodes,
  totalNodes: runningNodes,
});

describe("licenseReadPlan", () => {
  it("leaves a settled license to the look's other answers within its interval", () => {
    expect(licenseReadPlan(worker("REGISTERED"), at(0.5), TEN_MINUTES)).toEqual({
      ask: "if-changed",
      licensed: true,
      runningNodes: 0,
    });
    expect(licenseReadPlan(worker("UNREGISTERED"), at(0.5), TEN_MINUTES)).toMatchObject({ licensed: false });
    expect(licenseReadPlan(worker("EVALUATION"), at(0.5), TEN_MINUTES)).toMatchObject({ licensed: false });
  });

  it.each(["UNKNOWN", "REGISTERING", "DEREGISTERING", "EXPIRED", "INVALID"] as const)(
    "reads a %s license every look",
    (status) => {
      expect(licenseReadPlan(worker(status), at(0.5), TEN_MINUTES)).toEqual({ ask: "always" });
    },
  );

  it("reads a license never read, one of a worker with no running-node count, and every look at interval 0", () => {
    const never = worker("REGISTERED", {
      license: { status: "REGISTERED", nodeLimit: null, nodesInUse: null, checkedAt: null },
    });
    expect(licenseReadPlan(never, at(0.5), TEN_MINUTES)).toEqual({ ask: "always" });
    const unreached = worker("REGISTERED", { telemetry: telemetry({ runningNodes: null }) });
    expect(licenseReadPlan(unreached, at(0.5), TEN_MINUTES)).toEqual({ ask: "always" });
    expect(licenseReadPlan(worker("REGISTERED"), at(0.5), 0)).toEqual({ ask: "always" });
  });

  it("reads each settled license once per interval, the fleet's reads spread over it", () => {
    const fleet = Array.from({ length: 2_000 }, (_, index) => worker("REGISTERED", { id: `w-${index}` }));
    // Sweeps a minute apart, each worker's license last read in the sweep that read it.
    const checkedAt = new Map(fleet.map((each) => [each.id, T0]));
    const readsPerSweep: number[] = [];
    for (let minute = 1; minute <= 30; minute++) {
      const now = at(minute);
      let reads = 0;
      for (const each of fleet) {
        const current = { ...each, license: { ...each.license, checkedAt: checkedAt.get(each.id) ?? null } };
        if (licenseReadPlan(current, now, TEN_MINUTES).ask === "always") {
          reads++;
          checkedAt.set(each.id, now);
        }
      }
      readsPerSweep.push(reads);
    }
    // Every worker read exactly three times in 30 minutes, about a tenth of the fleet each sweep.
    expect(readsPerSweep.reduce((sum, reads) => sum + reads, 0)).toBe(3 * fleet.length);
    expect(Math.max(...readsPerSweep)).toBeLessThan(fleet.length / 5);
    expect(Math.min(...readsPerSweep)).toBeGreaterThan(fleet.length / 20);
  });
});

describe("licenseContradicted", () => {
  const plan = licenseReadPlan(worker("REGISTERED"), at(0.5), TEN_MINUTES);

  it("is false while health and the running nodes agree with the stored license", () => {
    expect(licenseContradicted(plan, health(true), stats(0))).toBe(false);
  });

  it("is true when health says otherwise, when nodes started or stopped, and always for a plan that reads", () => {
    expect(licenseContradicted(plan, health(false), stats(0))).toBe(true);
    expect(licenseContradicted(plan, health(true), stats(2))).toBe(true);
    expect(licenseContradicted({ ask: "always" }, health(true), stats(0))).toBe(true);
  });
});
