import type { SimInstance } from "../state/instance";
import { IncorrectStateError, type StateChange } from "../state/lifecycle";
import type { SimState } from "../state/sim-state";
import type { Ec2Action } from "./ec2-action";
import { Ec2Error } from "./ec2-error";
import { lookupInstances, requiredInstanceIds } from "./instance-lookup";
import { stateXml } from "./instance-xml";
import { el, itemSet, type XmlNode } from "./xml";

type Transition = "start" | "stop" | "terminate";

function stateAction(transition: Transition): Ec2Action {
  return (params, region, state) => {
    const instances = lookupInstances(state, region, requiredInstanceIds(params));
    // EC2 refuses the whole call when any instance cannot make the transition.
    for (const instance of instances) {
      assertCanTransition(instance, transition);
    }
    const changes = instances.map((instance) => apply(state, instance, transition));
    return [itemSet("instancesSet", changes, changeXml)];
  };
}

function assertCanTransition(instance: SimInstance, transition: Transition): void {
  const allowed: Record<Transition, readonly string[]> = {
    start: ["pending", "running", "stopped"],
    stop: ["running", "stopping", "stopped"],
    terminate: ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"],
  };
  if (!allowed[transition].includes(instance.state)) {
    const verb = transition === "start" ? "started" : "stopped";
    throw new Ec2Error(
      "IncorrectInstanceState",
      `The instance '${instance.instanceId}' is not in a state from which it can be ${verb}.`,
    );
  }
}

function apply(state: SimState, instance: SimInstance, transition: Transition): StateChange {
  try {
    switch (transition) {
      case "start":
        return state.lifecycle.start(instance);
      case "stop":
        return state.lifecycle.stop(instance);
      case "terminate":
        return state.lifecycle.terminate(instance);
    }
  } catch (error) {
    if (error instanceof IncorrectStateError) {
      throw new Ec2Error("IncorrectInstanceState", error.message);
    }
    throw error;
  }
}

function changeXml(change: StateChange): XmlNode[] {
  return [
    el("instanceId", change.instance.instanceId),
    stateXml("currentState", change.currentState),
    stateXml("previousState", change.previousState),
  ];
}

export const startInstances = stateAction("start");
export const stopInstances = stateAction("stop");
export const terminateInstances = stateAction("terminate");
