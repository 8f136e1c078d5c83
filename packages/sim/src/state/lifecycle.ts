import type { InstanceStateName, SimInstance } from "./instance";
import type { InstanceStore } from "./instance-store";
import type { IpAllocator } from "./ip-allocator";
import type { ScheduledTask, Scheduler } from "./scheduler";

export interface LifecycleTimings {
  readonly bootDelayMs: number;
  readonly stopDelayMs: number;
  readonly terminateDelayMs: number;
  readonly terminatedRetentionMs: number;
}

export interface StateChange {
  readonly instance: SimInstance;
  readonly previousState: InstanceStateName;
  readonly currentState: InstanceStateName;
}

export type StateChangeListener = (change: StateChange) => void;
export type PurgeListener = (instance: SimInstance) => void;

export type Transition = "start" | "stop" | "terminate";

/** The states each transition may start from (the target states themselves are no-ops, as on EC2). */
const ALLOWED_FROM: Readonly<Record<Transition, readonly InstanceStateName[]>> = {
  start: ["pending", "running", "stopped"],
  stop: ["running", "stopping", "stopped"],
  terminate: ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"],
};

export function canTransition(instance: SimInstance, transition: Transition): boolean {
  return ALLOWED_FROM[transition].includes(instance.state);
}

/** Thrown when an instance is not in a state the requested transition starts from. */
export class IncorrectStateError extends Error {
  constructor(
    readonly instance: SimInstance,
    readonly transition: Transition,
  ) {
    const verb = transition === "start" ? "started" : transition === "stop" ? "stopped" : "terminated";
    super(`The instance '${instance.instanceId}' is not in a state from which it can be ${verb}.`);
  }
}

/**
 * EC2's instance state machine: pending -> running after the boot delay,
 * stopping -> stopped after the stop delay, shutting-down -> terminated, and
 * terminated instances purged after the retention period.
 */
export class Lifecycle {
  private readonly pendingTransitions = new Map<string, ScheduledTask>();
  private readonly listeners: StateChangeListener[] = [];
  private readonly purgeListeners: PurgeListener[] = [];

  constructor(
    private readonly deps: {
      readonly store: InstanceStore;
      readonly scheduler: Scheduler;
      readonly ips: IpAllocator;
      readonly timings: LifecycleTimings;
      readonly now: () => number;
    },
  ) {}

  onStateChange(listener: StateChangeListener): void {
    this.listeners.push(listener);
  }

  onPurge(listener: PurgeListener): void {
    this.purgeListeners.push(listener);
  }

  /** Adds a freshly built instance (state `pending`) and schedules its boot. */
  launch(instance: SimInstance): void {
    this.deps.store.add(instance);
    this.schedule(instance, this.deps.timings.bootDelayMs, "running");
  }

  /**
   * Adds an instance restored from a snapshot in a settled state (running,
   * stopped or terminated); a terminated one is purged after the retention period.
   */
  restore(instance: SimInstance): void {
    this.deps.store.add(instance);
    if (instance.state === "terminated") {
      this.schedulePurge(instance);
    }
  }

  start(instance: SimInstance): StateChange {
    if (!canTransition(instance, "start")) {
      throw new IncorrectStateError(instance, "start");
    }
    if (instance.state !== "stopped") {
      return unchanged(instance);
    }
    instance.stateReason = null;
    instance.stateTransitionReason = "";
    return this.begin(instance, "pending", this.deps.timings.bootDelayMs, "running");
  }

  stop(instance: SimInstance): StateChange {
    if (!canTransition(instance, "stop")) {
      throw new IncorrectStateError(instance, "stop");
    }
    if (instance.state !== "running") {
      return unchanged(instance);
    }
    return this.shutDown(instance, "stopping", this.deps.timings.stopDelayMs, "stopped");
  }

  terminate(instance: SimInstance): StateChange {
    if (instance.state === "shutting-down" || instance.state === "terminated") {
      return unchanged(instance);
    }
    return this.shutDown(instance, "shutting-down", this.deps.timings.terminateDelayMs, "terminated");
  }

  /** EC2 reports a stop and a terminate alike: both are shutdowns the user asked for. */
  private shutDown(
    instance: SimInstance,
    via: InstanceStateName,
    delayMs: number,
    target: InstanceStateName,
  ): StateChange {
    instance.stateTransitionReason = `User initiated (${formatReasonTime(this.deps.now())})`;
    instance.stateReason = {
      code: "Client.UserInitiatedShutdown",
      message: "Client.UserInitiatedShutdown: User initiated shutdown",
    };
    return this.begin(instance, via, delayMs, target);
  }

  /** Enters the transitional state `via` now and settles in `target` after `delayMs`. */
  private begin(
    instance: SimInstance,
    via: InstanceStateName,
    delayMs: number,
    target: InstanceStateName,
  ): StateChange {
    const change = this.transition(instance, via);
    this.schedule(instance, delayMs, target);
    return change;
  }

  private schedule(instance: SimInstance, delayMs: number, target: InstanceStateName): void {
    this.pendingTransitions.get(instance.instanceId)?.cancel();
    const task = this.deps.scheduler.after(delayMs, () => {
      this.pendingTransitions.delete(instance.instanceId);
      this.transition(instance, target);
      if (target === "terminated") {
        this.schedulePurge(instance);
      }
    });
    this.pendingTransitions.set(instance.instanceId, task);
  }

  private schedulePurge(instance: SimInstance): void {
    const task = this.deps.scheduler.after(this.deps.timings.terminatedRetentionMs, () => {
      this.pendingTransitions.delete(instance.instanceId);
      this.deps.store.remove(instance);
      for (const listener of this.purgeListeners) {
        listener(instance);
      }
      this.deps.ips.release(instance.loopbackIp);
    });
    this.pendingTransitions.set(instance.instanceId, task);
  }

  private transition(instance: SimInstance, target: InstanceStateName): StateChange {
    const previousState = instance.state;
    instance.state = target;
    instance.runningSince = target === "running" ? this.deps.now() : null;
    const change = { instance, previousState, currentState: target };
    for (const listener of this.listeners) {
      listener(change);
    }
    return change;
  }
}

/** What a transition that is already done (or under way) answers, as EC2 does. */
function unchanged(instance: SimInstance): StateChange {
  return { instance, previousState: instance.state, currentState: instance.state };
}

function formatReasonTime(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " GMT");
}
