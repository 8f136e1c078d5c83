import type { SimInstance } from "../state/instance";
import { canTransition, IncorrectStateError, type StateChange, type Transition } from "../state/lifecycle";
import type { SimState } from "../state/sim-state";
import type { Ec2Action } from "./ec2-action";
import { Ec2Error } from "./ec2-error";
import { lookupInstances, requiredInstanceIds } from "./instance-lookup";
import { stateXml } from "./instance-xml";
import { el, itemSet, type XmlNode } from "./xml";

function incorrectState(error: IncorrectStateError): Ec2Error {
  return new Ec2Error("IncorrectInstanceState", error.message);
}

function stateAction(transition: Transition): Ec2Action {
  return (params, region, state) => {
    const instances = lookupInstances(state, region, requiredInstanceIds(params));
    // EC2 refuses the whole call when any instance cannot make the transition.
    const refused = instances.find((instance) => !canTransition(instance, transition));
    if (refused) {
      throw incorrectState(new IncorrectStateError(refused, transition));
    }
    const changes = instances.map((instance) => apply(state, instance, transition));
    return [itemSet("instancesSet", changes, changeXml)];
  };
}

/** Every instance was checked above, so the lifecycle never refuses here. */
function apply(state: SimState, instance: SimInstance, transition: Transition): StateChange {
  switch (transition) {
    case "start":
      return state.lifecycle.start(instance);
    case "stop":
      return state.lifecycle.stop(instance);
    case "terminate":
      return state.lifecycle.terminate(instance);
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
