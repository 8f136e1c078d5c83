import { describe, expect, it } from "vitest";
import { type SimSnapshot, SNAPSHOT_VERSION } from "./snapshot";
import { parseSnapshot, SnapshotFormatError } from "./snapshot-parse";

const VALID: SimSnapshot = {
  version: SNAPSHOT_VERSION,
  savedAt: "2026-11-27T05:00:00.000Z",
  ipBlock: 9,
  instances: [
    {
      instanceId: "i-0123456789abcdef0",
      seq: 4,
      region: "us-east-1",
      reservationId: "r-0123456789abcdef0",
      ownerId: "123456789012",
      imageId: "ami-0aaaaaaaaaaaaaaa1",
      instanceType: "c5.2xlarge",
      launchTime: "2026-11-27T04:00:00.000Z",
      amiLaunchIndex: 0,
      clientToken: "token-1",
      keyName: null,
      subnetId: "subnet-1",
      vpcId: "vpc-1",
      securityGroupIds: ["sg-1"],
      availabilityZone: "us-east-1a",
      detailedMonitoring: false,
      loopbackIp: "127.9.0.1",
      hasPublicIp: true,
      privateIp: "172.31.0.1",
      state: "stopping",
      stateReason: {
        code: "Client.UserInitiatedShutdown",
        message: "Client.UserInitiatedShutdown: User initiated shutdown",
      },
      stateTransitionReason: "User initiated (2026-11-27 04:30:00 GMT)",
      tags: [
        ["Name", "lab-1"],
        ["__proto__", "kept"],
      ],
    },
  ],
  clientTokens: [
    { region: "us-east-1", token: "token-1", fingerprint: "f", reservationId: "r-0123456789abcdef0" },
  ],
  controllers: [
    {
      instanceId: "i-0123456789abcdef0",
      serviceUserId: "u-service",
      studentUserId: "u-student",
      computeId: "c-1",
      reachable: false,
      healthy: false,
      runningNodes: 3,
      labs: [{ id: "lab-a", title: "A", state: "STARTED", nodeCount: 3, created: "x", modified: "y" }],
      events: [
        { category: "start_lab", timestamp: "2026-11-27T04:10:00", data: { user_id: "u", lab_id: "lab-a" } },
      ],
      registration: "COMPLETED",
      registeredAt: 1_795_000_000_000,
      registerCalls: 1,
      deregisterCalls: 0,
    },
  ],
  ebsSnapshots: [
    {
      snapshotId: "snap-0123456789abcdef0",
      seq: 2,
      ownerId: "123456789012",
      region: "us-east-1",
      volumeId: "vol-0123456789abcdef0",
      volumeSize: 64,
      description: "before the exam",
      startTime: 1_795_000_000_000,
      completesAt: 1_795_000_010_000,
      tags: [["cml-fleet:worker-id", "w-1"]],
      labs: [{ id: "lab-a", title: "A", state: "STOPPED", nodeCount: 3, created: "x", modified: "y" }],
    },
  ],
};

type Fields = Record<string, unknown>;
type Where = "snapshot" | "instances" | "controllers";

/**
 * A deep copy of VALID with fields of the snapshot (or of its first instance
 * or controller) replaced, as a hand edit or a bad write would leave it.
 */
function edited(where: Where, change: Fields): unknown {
  const copy = JSON.parse(JSON.stringify(VALID)) as Fields;
  Object.assign(where === "snapshot" ? copy : firstOf(copy, where), change);
  return copy;
}

function firstOf(copy: Fields, key: string): Fields {
  const list = copy[key] as Fields[];
  const first = list[0];
  if (first === undefined) {
    throw new Error(`${key} is empty`);
  }
  return first;
}

describe("parseSnapshot", () => {
  it("reads back exactly what was written as JSON, including a __proto__ tag", () => {
    const parsed = parseSnapshot(JSON.parse(JSON.stringify(VALID)));
    expect(parsed).toEqual(VALID);
    expect(parsed.instances[0]?.tags).toContainEqual(["__proto__", "kept"]);
  });

  it("reads a file written before EBS snapshots existed as one without any", () => {
    const { ebsSnapshots: _dropped, ...older } = JSON.parse(JSON.stringify(VALID)) as Fields;
    expect(parseSnapshot(older).ebsSnapshots).toEqual([]);
    expect(() => parseSnapshot({ ...older, ebsSnapshots: [{ snapshotId: 1 }] })).toThrow(
      /ebsSnapshots\[0\]\.snapshotId/,
    );
  });

  it.each<[string, Where, Fields, RegExp]>([
    ["another version", "snapshot", { version: 2 }, /version/],
    ["no instances", "snapshot", { instances: null }, /instances must be an array/],
    ["an unknown state", "instances", { state: "rebooting" }, /instances\[0\]\.state/],
    ["a bad launch time", "instances", { launchTime: "yesterday" }, /launchTime/],
    ["a tag that is not a pair", "instances", { tags: [["a", "b", "c"]] }, /tags\[0\]/],
    ["negative running nodes", "controllers", { runningNodes: -1 }, /controllers\[0\]\.runningNodes/],
    ["a health that is not a boolean", "controllers", { healthy: "no" }, /controllers\[0\]\.healthy/],
    ["an unknown registration status", "controllers", { registration: "MAYBE" }, /registration/],
    [
      "a duplicated instance",
      "snapshot",
      { instances: [VALID.instances[0], VALID.instances[0]] },
      /appears twice/,
    ],
  ])("refuses %s, naming the field", (_name, where, change, message) => {
    const broken = edited(where, change);
    expect(() => parseSnapshot(broken)).toThrow(SnapshotFormatError);
    expect(() => parseSnapshot(broken)).toThrow(message);
  });

  it("reads a controller written before `healthy` existed as healthy", () => {
    const old = edited("snapshot", {}) as Fields;
    delete firstOf(old, "controllers").healthy;
    expect(parseSnapshot(old).controllers[0]).toMatchObject({ healthy: true, reachable: false });
  });

  it("refuses what is not an object at all", () => {
    expect(() => parseSnapshot([])).toThrow(SnapshotFormatError);
    expect(() => parseSnapshot(null)).toThrow(SnapshotFormatError);
  });
});
