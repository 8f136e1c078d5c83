import type { InstanceLoad } from "../cloudwatch/metric-synth";
import type { HttpRequest, HttpResponse } from "../http/http-types";
import type { SimInstance } from "../state/instance";
import type { StateChange } from "../state/lifecycle";
import type { Scheduler } from "../state/scheduler";
import type { SimState } from "../state/sim-state";
import { CmlController, type CmlLab } from "./cml-controller";
import type { CmlListeners } from "./cml-listeners";
import { handleCmlRequest } from "./cml-routes";
import type { CmlSettings } from "./cml-settings";
import type { CmlHost } from "./routes/route-context";

/**
 * The CML controllers of all instances: created with the instance, listening
 * over HTTPS while the instance runs and is reachable, dropped when purged.
 */
export class CmlService implements CmlHost {
  private readonly controllers = new Map<string, CmlController>();

  constructor(
    private readonly deps: {
      readonly state: SimState;
      readonly scheduler: Scheduler;
      readonly listeners: CmlListeners;
      readonly settings: CmlSettings;
    },
  ) {
    deps.state.lifecycle.onStateChange((change) => this.onStateChange(change));
    deps.state.lifecycle.onPurge((instance) => this.forget(instance));
  }

  get settings(): CmlSettings {
    return this.deps.settings;
  }

  get scheduler(): Scheduler {
    return this.deps.scheduler;
  }

  get state(): SimState {
    return this.deps.state;
  }

  controller(instance: SimInstance): CmlController {
    let controller = this.controllers.get(instance.instanceId);
    if (!controller) {
      controller = new CmlController();
      this.controllers.set(instance.instanceId, controller);
    }
    return controller;
  }

  /** Copies of the labs an instance's CML holds now (none when it has no controller yet). */
  labsOf(instanceId: string): CmlLab[] {
    const labs = this.controllers.get(instanceId)?.labs.values() ?? [];
    return [...labs].map((lab) => ({ ...lab }));
  }

  /**
   * Gives a just-launched instance's CML the labs of the volume it booted from:
   * a restored disk holds the lab definitions, none running (the nodes boot with the instance).
   */
  restoreLabs(instanceId: string, labs: readonly CmlLab[]): void {
    let controller = this.controllers.get(instanceId);
    if (!controller) {
      controller = new CmlController();
      this.controllers.set(instanceId, controller);
    }
    controller.labs.clear();
    for (const lab of labs) {
      controller.labs.set(lab.id, { ...lab, state: lab.state === "STARTED" ? "STOPPED" : lab.state });
    }
  }

  /** Puts back a controller restored from a snapshot and opens its listener if the instance runs. */
  restore(instance: SimInstance, controller: CmlController): Promise<void> {
    this.controllers.get(instance.instanceId)?.pendingRegistration?.cancel();
    this.controllers.set(instance.instanceId, controller);
    return this.sync(instance);
  }

  /** Every controller with its instance id, for a snapshot. */
  entries(): IterableIterator<[string, CmlController]> {
    return this.controllers.entries();
  }

  /** `ready` as system_information reports it: forced by the control API, else after the ready delay. */
  isReady(instance: SimInstance): boolean {
    if (instance.state !== "running" || instance.runningSince === null) {
      return false;
    }
    const forced = this.controllers.get(instance.instanceId)?.readyOverride ?? null;
    return forced ?? this.deps.state.now() - instance.runningSince >= this.deps.settings.readyDelayMs;
  }

  isListening(instance: SimInstance): boolean {
    return this.deps.listeners.isOpen(instance.loopbackIp);
  }

  loadOf(instance: SimInstance): InstanceLoad {
    return { runningNodes: this.controllers.get(instance.instanceId)?.runningNodes ?? 0 };
  }

  /** Opens or closes the instance's listener to match its state and reachability. */
  sync(instance: SimInstance): Promise<void> {
    const controller = this.controller(instance);
    const wanted = instance.state === "running" && controller.reachable;
    return this.deps.listeners.set(
      instance.loopbackIp,
      wanted,
      (request) => this.handle(instance, request),
      controller.certificate,
    );
  }

  /** Answers after the `cmlLatencyMs` fault (read per request), counting the request as in flight meanwhile. */
  private async handle(instance: SimInstance, request: HttpRequest): Promise<HttpResponse> {
    const stats = this.deps.state.stats;
    const done = stats.cmlRequestStarted();
    try {
      const latencyMs = this.deps.state.faults.cmlLatencyMs;
      if (latencyMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
      }
      return handleCmlRequest(request, { instance, controller: this.controller(instance), service: this });
    } finally {
      done();
    }
  }

  private onStateChange(change: StateChange): void {
    const controller = this.controller(change.instance);
    if (change.currentState !== "running") {
      // A rebooted controller boots again: a forced readiness does not survive a stop.
      controller.readyOverride = null;
      if (change.currentState !== "pending") {
        controller.runningNodes = 0;
        for (const lab of controller.labs.values()) {
          if (lab.state === "STARTED") {
            lab.state = "STOPPED";
          }
        }
      }
    }
    void this.sync(change.instance);
  }

  private forget(instance: SimInstance): void {
    this.controllers.get(instance.instanceId)?.pendingRegistration?.cancel();
    this.controllers.delete(instance.instanceId);
    void this.deps.listeners.set(instance.loopbackIp, false, () => ({ status: 503 }));
  }
}
