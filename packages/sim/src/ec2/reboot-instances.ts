import type { Ec2Action } from "./ec2-action";
import { Ec2Error } from "./ec2-error";
import { lookupInstances, requiredInstanceIds } from "./instance-lookup";
import { clearStatusCheckOverride } from "./status-check-overrides";
import { el } from "./xml";

/**
 * RebootInstances: the instance stays `running` while it reboots, so no state
 * transition happens; it comes up again as if just started: its status checks
 * read `initializing` (forced ones are cleared) and its CML not ready until the
 * boot delays have passed once more. EC2 refuses the whole call when an
 * instance does not run.
 */
export const rebootInstances: Ec2Action = (params, region, state) => {
  const instances = lookupInstances(state, region, requiredInstanceIds(params));
  const refused = instances.find((instance) => instance.state !== "running");
  if (refused !== undefined) {
    throw new Ec2Error(
      "IncorrectInstanceState",
      `The instance '${refused.instanceId}' is not in a state from which it can be rebooted.`,
    );
  }
  for (const instance of instances) {
    instance.runningSince = state.now();
    clearStatusCheckOverride(instance);
  }
  return [el("return", true)];
};
