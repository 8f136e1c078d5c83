import { describe, expect, it } from "vitest";
import { FakeCloudProvider } from "../../test/support/fake-cloud-provider";
import { at, telemetry } from "../../test/support/worker-factory";
import type { CloudLook } from "../domain/telemetry-sweep-run";
import { decodeCloudLook, encodeCloudLook, observeRegion } from "./telemetry-region-observation";

const target = { accountId: "default", region: "us-east-1" };
const window = { metricWindowMs: 600_000, metricPeriodSeconds: 60 };
const managed = { "cml-fleet:managed": "true" };

describe("a region's reading asks CloudWatch only for the workers that need it", () => {
  it("leaves out workers whose CML gave CPU and memory, and those asked less than a datapoint ago", async () => {
    const cloud = new FakeCloudProvider();
    const fromCml = cloud.add({ region: "us-east-1", tags: managed });
    const askedRecently = cloud.add({ region: "us-east-1", tags: managed });
    const detailedAskedRecently = cloud.add({ region: "us-east-1", tags: managed, monitoring: "detailed" });
    const neverSeen = cloud.add({ region: "us-east-1", tags: managed });
    const stopped = cloud.add({ region: "us-east-1", tags: managed, state: "stopped" });
    const reading = {
      askedAt: at(0).toISOString(),
      cpuPercent: 5,
      memoryPercent: 10,
      networkInBytes: 1,
      networkOutBytes: 1,
    };
    const unreachable = telemetry({ cmlReachable: false, usageFromCml: false, cloudWatch: reading });
    const workers = [
      { id: "a", instanceId: fromCml.instanceId, telemetry: telemetry({ usageFromCml: true }) },
      { id: "b", instanceId: askedRecently.instanceId, telemetry: unreachable },
      { id: "c", instanceId: detailedAskedRecently.instanceId, telemetry: unreachable },
      { id: "d", instanceId: neverSeen.instanceId, telemetry: null },
      { id: "e", instanceId: stopped.instanceId, telemetry: null },
    ];
    const observation = await observeRegion(cloud, target, workers, window, at(2));
    const asked = [...observation.looks].filter(([, look]) => look.metrics !== null).map(([id]) => id);
    expect(asked).toEqual(["c", "d"]);
    expect(cloud.calls.metrics).toBe(1);

    // Five minutes on, the basic instance is due again; CML's figures still spare the first.
    const later = await observeRegion(cloud, target, workers, window, at(5));
    expect([...later.looks].filter(([, look]) => look.metrics !== null).map(([id]) => id)).toEqual([
      "b",
      "c",
      "d",
    ]);
  });

  it("carries the instance's monitoring in the shard's job data, and reads a look queued before it as basic", async () => {
    const cloud = new FakeCloudProvider();
    const instance = cloud.add({ region: "us-east-1", tags: managed, monitoring: "detailed" });
    const observation = await observeRegion(
      cloud,
      target,
      [{ id: "a", instanceId: instance.instanceId, telemetry: null }],
      window,
      at(0),
    );
    const look = observation.looks.get("a");
    if (look === undefined) {
      throw new Error("no look");
    }
    const encoded: CloudLook = JSON.parse(JSON.stringify(encodeCloudLook("a", look)));
    expect(decodeCloudLook(encoded).instance?.monitoring).toBe("detailed");
    const { monitoring: _dropped, ...older } = encoded.instance ?? expect.unreachable();
    expect(decodeCloudLook({ ...encoded, instance: older }).instance?.monitoring).toBe("basic");
  });
});
