import { describe, expect, it } from "vitest";
import { aRunningWorker, at, T0, telemetry } from "../../test/support/worker-factory";
import { systemActor } from "../domain/actor";
import { decideIdle, type IdlePolicySettings } from "../domain/idle-policy";
import type { CloudInstance, InstanceMetrics } from "../ports/cloud-provider.port";
import type { CmlSystemStats } from "../ports/cml-client.port";
import { applyObservation, type CmlObservation, type WorkerObservation } from "./worker-observation";

const policy: IdlePolicySettings = {
  autoShutdownEnabled: true,
  thresholdMs: 60 * 60_000,
  warningAfterMs: 45 * 60_000,
  snoozeAfterStartMs: 0,
  minUptimeMs: 0,
  staleTelemetryMs: 10 * 60_000,
  cpuVetoPercent: 80,
};

const instance: CloudInstance = {
  instanceId: "i-0123456789abcdef0",
  region: "us-east-1",
  state: "running",
  stateReason: null,
  instanceType: "c5.2xlarge",
  imageId: "ami-0a1b2c3d4e5f60701",
  publicIp: "203.0.113.7",
  privateIp: "10.0.0.7",
  launchTime: T0,
  tags: {},
  monitoring: "basic",
};

function cmlWith(stats: Partial<CmlSystemStats>): CmlObservation {
  return {
    reachable: true,
    ready: true,
    version: "2.8.1",
    stats: { cpuPercent: 3, memoryPercent: 20, runningNodes: 0, totalNodes: 0, ...stats },
    licensing: {
      status: "UNREGISTERED",
      registrationStatus: "NOT_REGISTERED",
      authorizationStatus: "EVAL_MODE",
      nodeLimit: 5,
      nodesInUse: 0,
      expires: null,
    },
    labs: [],
    newestActivityAt: null,
    health: { valid: true, isLicensed: false, computesValid: true },
  };
}

const busyCloudWatch: InstanceMetrics = {
  cpuPercent: 95,
  memoryPercent: 40,
  networkInBytes: 9_000,
  networkOutBytes: 7_000,
};

/** The idle decision on a worker after one sweep's observation at minute 120. */
function decisionAfter(observation: Omit<WorkerObservation, "at" | "instance" | "statusCheck">) {
  const now = at(120);
  const worker = aRunningWorker({ telemetry: telemetry({ sampledAt: at(119) }) });
  const applied = applyObservation(
    worker,
    { ...observation, instance, statusCheck: null, at: now },
    443,
    systemActor("telemetry"),
    now,
  );
  return {
    telemetry: applied.worker.telemetry,
    decision: decideIdle({ worker: applied.worker, activity: [], recentTelemetry: [], policy, now }),
  };
}

describe("CPU and memory from CML first, CloudWatch second", () => {
  it("vetoes a stop as CPU_BUSY from CML's own stats", () => {
    const { telemetry: sample, decision } = decisionAfter({
      metrics: null,
      cml: cmlWith({ cpuPercent: 92 }),
    });
    expect(sample).toMatchObject({ cpuPercent: 92, usageFromCml: true, networkInBytes: null });
    expect(decision).toMatchObject({ idle: false, reasonCode: "CPU_BUSY" });
  });

  it("vetoes a stop as CPU_BUSY from CloudWatch when CML's stats give no CPU", () => {
    const { telemetry: sample, decision } = decisionAfter({
      metrics: busyCloudWatch,
      cml: cmlWith({ cpuPercent: null }),
    });
    expect(sample).toMatchObject({ cpuPercent: 95, memoryPercent: 20, usageFromCml: false });
    expect(sample?.cloudWatch).toMatchObject({ askedAt: at(120).toISOString(), cpuPercent: 95 });
    expect(decision).toMatchObject({ idle: false, reasonCode: "CPU_BUSY" });
  });

  it("prefers CML's figures to CloudWatch's when both are there", () => {
    const { telemetry: sample } = decisionAfter({ metrics: busyCloudWatch, cml: cmlWith({ cpuPercent: 4 }) });
    expect(sample).toMatchObject({ cpuPercent: 4, memoryPercent: 20, networkInBytes: 9_000 });
  });

  it("leaves CPU unknown when neither source is fresh", () => {
    const { telemetry: sample } = decisionAfter({ metrics: null, cml: cmlWith({ cpuPercent: null }) });
    expect(sample?.cpuPercent).toBeNull();
  });
});
