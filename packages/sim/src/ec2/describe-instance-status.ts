import type { SimInstance } from "../state/instance";
import type { SimState } from "../state/sim-state";
import type { Ec2Action } from "./ec2-action";
import { ec2Errors } from "./ec2-error";
import { instanceFilter } from "./instance-filters";
import { decodeNextToken, lookupInstances, readMaxResults, takePage } from "./instance-lookup";
import { stateXml } from "./instance-xml";
import { readFilters } from "./query-params";
import { type CheckStatus, statusCheckOverride } from "./status-check-overrides";
import { el, itemSet, type XmlNode } from "./xml";

const MAX_EXPLICIT_IDS = 100;
const SUPPORTED_FILTERS = new Set(["instance-state-name", "instance-id", "availability-zone"]);

export const describeInstanceStatus: Ec2Action = (params, region, state) => {
  const ids = params.list("InstanceId");
  if (ids.length > MAX_EXPLICIT_IDS) {
    throw ec2Errors.invalidParameter(
      `The request contains ${ids.length} instance IDs; at most ${MAX_EXPLICIT_IDS} are allowed per call.`,
    );
  }
  const maxResults = readMaxResults(params, ids.length > 0);
  const includeAll = params.boolean("IncludeAllInstances") ?? false;
  const filter = instanceFilter(readFilters(params), SUPPORTED_FILTERS);
  const matches = (instance: SimInstance) => (includeAll || instance.state === "running") && filter(instance);
  let page: SimInstance[];
  let nextToken: string | undefined;
  if (ids.length > 0) {
    page = lookupInstances(state, region, ids).filter(matches);
  } else {
    const afterSeq = decodeNextToken(params.string("NextToken"));
    ({ page, nextToken } = takePage(state.store.inRegion(region, afterSeq), matches, maxResults));
  }
  return [
    itemSet("instanceStatusSet", page, (instance) => statusXml(instance, state)),
    nextToken ? el("nextToken", nextToken) : null,
  ];
};

function statusXml(instance: SimInstance, state: SimState): XmlNode[] {
  const forced = instance.state === "running" ? statusCheckOverride(instance) : {};
  const booted = bootStatus(instance, state);
  const system = forced.system ?? booted;
  const check = forced.instance ?? booted;
  const summary = (name: string, status: CheckStatus) =>
    el(
      name,
      el("status", status),
      itemSet("details", [detailOf(status)], (value) => [el("name", "reachability"), el("status", value)]),
    );
  return [
    el("instanceId", instance.instanceId),
    el("availabilityZone", instance.availabilityZone),
    stateXml("instanceState", instance.state),
    summary("systemStatus", system),
    summary("instanceStatus", check),
    el("attachedEbsStatus", el("status", booted)),
  ];
}

/** The detail EC2 gives with a summary status (`reachability`). */
function detailOf(status: CheckStatus): string {
  switch (status) {
    case "ok":
      return "passed";
    case "impaired":
      return "failed";
    case "initializing":
      return "initializing";
    case "insufficient-data":
      return "insufficient-data";
    case "not-applicable":
      return "not-applicable";
  }
}

/** The checks of an instance nobody forced: initializing for a while after it (re)booted, then ok. */
function bootStatus(instance: SimInstance, state: SimState): CheckStatus {
  if (instance.state !== "running" || instance.runningSince === null) {
    return "not-applicable";
  }
  return state.now() - instance.runningSince >= state.statusCheckDelayMs ? "ok" : "initializing";
}
