import { CmlController } from "../cml/cml-controller";
import type { CmlService } from "../cml/cml-service";
import { completeRegistrationLater } from "../cml/routes/licensing-routes";
import type { InstanceStateName, SimInstance } from "../state/instance";
import type { SimState } from "../state/sim-state";
import type { CmlControllerSnapshot, InstanceSnapshot, SimSnapshot } from "./snapshot";

/**
 * A transition in flight when the simulator stopped has finished by the time
 * it is back, as it would have on AWS while nobody was looking.
 */
const SETTLED: Readonly<Record<InstanceStateName, InstanceStateName>> = {
  pending: "running",
  running: "running",
  stopping: "stopped",
  stopped: "stopped",
  "shutting-down": "terminated",
  terminated: "terminated",
};

/**
 * Puts a snapshot's instances, client tokens and CML controllers into a fresh
 * simulator. Running instances count as just booted: their CML API listens at
 * once and is ready after the usual ready delay.
 */
export async function restoreSnapshot(
  snapshot: SimSnapshot,
  deps: { readonly state: SimState; readonly cml: CmlService },
): Promise<void> {
  const { store, ips, lifecycle } = deps.state;
  const now = deps.state.now();
  const ordered = [...snapshot.instances].sort((a, b) => a.seq - b.seq);
  ips.reserve(ordered.map((instance) => instance.loopbackIp));
  const controllers = new Map(snapshot.controllers.map((controller) => [controller.instanceId, controller]));
  const restored: SimInstance[] = [];
  for (const saved of ordered) {
    const instance = instanceFrom(saved, now);
    store.continueSeqAfter(instance.seq);
    lifecycle.restore(instance);
    restored.push(instance);
  }
  for (const entry of snapshot.clientTokens) {
    // A token outlives its reservation only while one of its instances is still known (as in the store).
    if (store.reservation(entry.reservationId).length > 0) {
      store.rememberClientToken(entry.region, entry.token, {
        fingerprint: entry.fingerprint,
        reservationId: entry.reservationId,
      });
    }
  }
  for (const saved of snapshot.ebsSnapshots) {
    // A snapshot in progress has completed meanwhile, as an instance's transition has.
    deps.state.ebs.snapshots.restore({
      ...saved,
      completesAt: Math.min(saved.completesAt, now),
      tags: new Map(saved.tags),
      labs: [...saved.labs],
    });
  }
  await Promise.all(
    restored.map((instance) => {
      const saved = controllers.get(instance.instanceId);
      const controller = saved === undefined ? new CmlController() : controllerFrom(saved);
      const restoring = deps.cml.restore(instance, controller);
      if (controller.registration === "IN_PROGRESS") {
        completeRegistrationLater(controller, deps.cml);
      }
      return restoring;
    }),
  );
}

function instanceFrom(saved: InstanceSnapshot, now: number): SimInstance {
  const state = SETTLED[saved.state];
  return {
    ...saved,
    securityGroupIds: [...saved.securityGroupIds],
    launchTime: new Date(saved.launchTime),
    state,
    runningSince: state === "running" ? now : null,
    tags: new Map(saved.tags),
  };
}

function controllerFrom(saved: CmlControllerSnapshot): CmlController {
  const controller = new CmlController(saved, saved.events);
  controller.reachable = saved.reachable;
  controller.healthy = saved.healthy;
  controller.runningNodes = saved.runningNodes;
  for (const lab of saved.labs) {
    controller.labs.set(lab.id, { ...lab });
  }
  controller.registration = saved.registration;
  controller.registeredAt = saved.registeredAt;
  controller.registerCalls = saved.registerCalls;
  controller.deregisterCalls = saved.deregisterCalls;
  return controller;
}
