import type { SimInstance } from "../state/instance";
import type { SimState } from "../state/sim-state";
import type { Ec2Action } from "./ec2-action";
import { ec2Errors } from "./ec2-error";
import { instanceFilter } from "./instance-filters";
import { decodeNextToken, lookupInstances, readMaxResults, takePage } from "./instance-lookup";
import { stateXml } from "./instance-xml";
import { readFilters } from "./query-params";
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
  const status = checkStatus(instance, state);
  const detail = status === "ok" ? "passed" : status === "initializing" ? "initializing" : "not-applicable";
  const summary = (name: string) =>
    el(
      name,
      el("status", status),
      itemSet("details", [detail], (value) => [el("name", "reachability"), el("status", value)]),
    );
  return [
    el("instanceId", instance.instanceId),
    el("availabilityZone", instance.availabilityZone),
    stateXml("instanceState", instance.state),
    summary("systemStatus"),
    summary("instanceStatus"),
    el("attachedEbsStatus", el("status", status)),
  ];
}

function checkStatus(instance: SimInstance, state: SimState): "ok" | "initializing" | "not-applicable" {
  if (instance.state !== "running" || instance.runningSince === null) {
    return "not-applicable";
  }
  return state.now() - instance.runningSince >= state.statusCheckDelayMs ? "ok" : "initializing";
}
