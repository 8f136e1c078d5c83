import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SimInstance } from "./instance";
import { InstanceStore } from "./instance-store";
import { IpAllocator } from "./ip-allocator";
import { IncorrectStateError, Lifecycle, type StateChange } from "./lifecycle";
import { Scheduler } from "./scheduler";

const TIMINGS = { bootDelayMs: 100, stopDelayMs: 200, terminateDelayMs: 300, terminatedRetentionMs: 1000 };

describe("Lifecycle", () => {
  let scheduler: Scheduler;
  let store: InstanceStore;
  let ips: IpAllocator;
  let lifecycle: Lifecycle;
  let changes: string[];
  let purged: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    scheduler = new Scheduler(() => Date.now());
    store = new InstanceStore();
    ips = new IpAllocator(7);
    lifecycle = new Lifecycle({ store, scheduler, ips, timings: TIMINGS, now: () => Date.now() });
    changes = [];
    purged = [];
    lifecycle.onStateChange((change: StateChange) =>
      changes.push(`${change.previousState}->${change.currentState}`),
    );
    lifecycle.onPurge((instance) => purged.push(instance.instanceId));
  });

  afterEach(() => {
    scheduler.close();
    vi.useRealTimers();
  });

  function launch(): SimInstance {
    const { loopbackIp, privateIp } = ips.allocate();
    const instance: SimInstance = {
      instanceId: "i-0123456789abcdef0",
      seq: store.nextSeq(),
      region: "us-east-1",
      reservationId: "r-0123456789abcdef0",
      ownerId: "123456789012",
      imageId: "ami-0c9f4e2a7b1d83e52",
      instanceType: "m5zn.metal",
      launchTime: new Date(),
      amiLaunchIndex: 0,
      clientToken: null,
      keyName: null,
      subnetId: "subnet-1",
      vpcId: "vpc-1",
      securityGroupIds: [],
      availabilityZone: "us-east-1a",
      detailedMonitoring: false,
      loopbackIp,
      hasPublicIp: true,
      privateIp,
      state: "pending",
      stateReason: null,
      stateTransitionReason: "",
      runningSince: null,
      tags: new Map(),
    };
    lifecycle.launch(instance);
    return instance;
  }

  it("boots, stops, restarts and terminates on EC2's timings", () => {
    const instance = launch();
    vi.advanceTimersByTime(99);
    expect(instance.state).toBe("pending");
    vi.advanceTimersByTime(1);
    expect(instance.state).toBe("running");
    expect(instance.runningSince).toBe(Date.now());

    expect(lifecycle.stop(instance)).toMatchObject({ previousState: "running", currentState: "stopping" });
    expect(instance.runningSince).toBeNull();
    vi.advanceTimersByTime(200);
    expect(instance.state).toBe("stopped");
    expect(instance.stateReason?.code).toBe("Client.UserInitiatedShutdown");

    lifecycle.start(instance);
    expect(instance.stateReason).toBeNull();
    vi.advanceTimersByTime(100);
    lifecycle.terminate(instance);
    vi.advanceTimersByTime(300);
    expect(changes).toEqual([
      "pending->running",
      "running->stopping",
      "stopping->stopped",
      "stopped->pending",
      "pending->running",
      "running->shutting-down",
      "shutting-down->terminated",
    ]);
  });

  it("refuses to stop a pending instance and to start a terminated one; repeats are no-ops", () => {
    const instance = launch();
    expect(() => lifecycle.stop(instance)).toThrow(IncorrectStateError);
    expect(lifecycle.start(instance)).toMatchObject({ previousState: "pending", currentState: "pending" });
    lifecycle.terminate(instance);
    expect(lifecycle.terminate(instance)).toMatchObject({ currentState: "shutting-down" });
    vi.advanceTimersByTime(300);
    expect(() => lifecycle.start(instance)).toThrow(/not in a state from which it can be started/);
  });

  it("a terminate during boot cancels the pending boot", () => {
    const instance = launch();
    lifecycle.terminate(instance);
    vi.advanceTimersByTime(1000);
    expect(changes).toEqual(["pending->shutting-down", "shutting-down->terminated"]);
  });

  it("purges a terminated instance after the retention period and frees its address", () => {
    const instance = launch();
    lifecycle.terminate(instance);
    vi.advanceTimersByTime(300 + 999);
    expect(store.get(instance.instanceId)).toBe(instance);
    vi.advanceTimersByTime(1);
    expect(store.get(instance.instanceId)).toBeUndefined();
    expect(purged).toEqual([instance.instanceId]);
    expect(ips.allocate().loopbackIp).toBe(instance.loopbackIp);
  });
});
