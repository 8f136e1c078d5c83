import { describe, expect, it } from "vitest";
import type { SimInstance } from "./instance";
import { InstanceStore } from "./instance-store";

function instance(
  store: InstanceStore,
  region: string,
  tags: Record<string, string>,
  reservationId = "r-1",
  clientToken: string | null = null,
): SimInstance {
  const seq = store.nextSeq();
  return {
    instanceId: `i-${seq.toString(16).padStart(17, "0")}`,
    seq,
    region,
    reservationId,
    ownerId: "123456789012",
    imageId: "ami-0c9f4e2a7b1d83e52",
    instanceType: "m5zn.metal",
    launchTime: new Date(0),
    amiLaunchIndex: 0,
    clientToken,
    keyName: null,
    subnetId: "subnet-1",
    vpcId: "vpc-1",
    securityGroupIds: [],
    availabilityZone: `${region}a`,
    detailedMonitoring: false,
    loopbackIp: `127.9.0.${seq + 1}`,
    hasPublicIp: true,
    privateIp: `172.31.0.${seq + 1}`,
    state: "pending",
    stateReason: null,
    stateTransitionReason: "",
    runningSince: null,
    tags: new Map(Object.entries(tags)),
  };
}

describe("InstanceStore", () => {
  it("walks a region in launch order from any resume point, skipping removed instances", () => {
    const store = new InstanceStore();
    const all = Array.from({ length: 200 }, (_, index) =>
      instance(store, index % 2 ? "us-east-1" : "us-west-2", {}),
    );
    for (const member of all) {
      store.add(member);
    }
    const east = all.filter((member) => member.region === "us-east-1");
    // Enough removals to trigger compaction of the region's ordered array.
    for (const member of east.slice(0, 80)) {
      store.remove(member);
    }
    const remaining = east.slice(80);
    expect([...store.inRegion("us-east-1")]).toEqual(remaining);
    const resumeAfter = remaining[4]?.seq ?? -1;
    expect([...store.inRegion("us-east-1", resumeAfter)]).toEqual(remaining.slice(5));
    expect(store.size).toBe(120);
  });

  it("finds instances by tag key and value per region and follows tag changes", () => {
    const store = new InstanceStore();
    const a = instance(store, "us-east-1", { "cml-fleet:managed": "true" });
    const b = instance(store, "us-east-1", { "cml-fleet:managed": "false" });
    const c = instance(store, "eu-west-1", { "cml-fleet:managed": "true" });
    for (const member of [a, b, c]) {
      store.add(member);
    }
    expect(store.withTag("us-east-1", "cml-fleet:managed", new Set(["true"]))).toEqual([a]);
    expect(store.withTag("us-east-1", "cml-fleet:managed", undefined)).toEqual([a, b]);
    store.setTag(b, "cml-fleet:managed", "true");
    expect(store.withTag("us-east-1", "cml-fleet:managed", new Set(["true"]))).toEqual([a, b]);
    store.deleteTag(a, "cml-fleet:managed");
    expect(store.withTag("us-east-1", "cml-fleet:managed", new Set(["true"]))).toEqual([b]);
    store.remove(b);
    expect(store.withTag("us-east-1", "cml-fleet:managed", undefined)).toEqual([]);
  });

  it("forgets a client token once its whole reservation is purged", () => {
    const store = new InstanceStore();
    const first = instance(store, "us-east-1", {}, "r-token", "t-1");
    const second = instance(store, "us-east-1", {}, "r-token", "t-1");
    store.add(first);
    store.add(second);
    store.rememberClientToken("us-east-1", "t-1", { fingerprint: "f", reservationId: "r-token" });
    store.remove(first);
    expect(store.clientToken("us-east-1", "t-1")).toBeDefined();
    expect(store.reservation("r-token")).toEqual([second]);
    store.remove(second);
    expect(store.clientToken("us-east-1", "t-1")).toBeUndefined();
  });
});
