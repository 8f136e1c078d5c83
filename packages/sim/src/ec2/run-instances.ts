import { findImage, SIM_INSTANCE_TYPES } from "../catalog";
import type { SimInstance } from "../state/instance";
import { launchInstances } from "../state/launch";
import type { SimState } from "../state/sim-state";
import type { Ec2Action } from "./ec2-action";
import { Ec2Error, ec2Errors } from "./ec2-error";
import { reservationXml } from "./instance-xml";
import { rootSnapshotLabs } from "./launch-block-devices";
import { type QueryParams, readTags } from "./query-params";

const MAX_CLIENT_TOKEN_LENGTH = 64;

export const runInstances: Ec2Action = (params, region, state) => {
  const clientToken = params.string("ClientToken") ?? null;
  if (clientToken !== null && clientToken.length > MAX_CLIENT_TOKEN_LENGTH) {
    throw ec2Errors.invalidParameter(
      `Value for parameter ClientToken is too long (max ${MAX_CLIENT_TOKEN_LENGTH}).`,
    );
  }
  const fingerprint = params.fingerprint(["Action", "Version", "ClientToken"]);
  if (clientToken !== null) {
    const previous = state.store.clientToken(region, clientToken);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw new Ec2Error(
          "IdempotentParameterMismatch",
          `Client token '${clientToken}' was already used with different parameters.`,
        );
      }
      return respond(state, state.store.reservation(previous.reservationId));
    }
  }

  const imageId = params.required("ImageId");
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) {
    throw ec2Errors.amiMalformed(imageId);
  }
  if (!findImage(region, imageId)) {
    throw ec2Errors.amiNotFound(imageId);
  }
  const instanceType = params.string("InstanceType") ?? "m1.small";
  if (!(instanceType in SIM_INSTANCE_TYPES)) {
    throw ec2Errors.invalidParameter(`Invalid value '${instanceType}' for InstanceType.`);
  }
  const minCount = params.integer("MinCount");
  const maxCount = params.integer("MaxCount");
  if (minCount === undefined || maxCount === undefined) {
    throw ec2Errors.missingParameter(minCount === undefined ? "MinCount" : "MaxCount");
  }
  if (minCount < 1 || maxCount < minCount) {
    throw ec2Errors.invalidParameter(`Invalid MinCount/MaxCount: ${minCount}/${maxCount}`);
  }
  if (state.faults.insufficientCapacityTypes.includes(instanceType)) {
    throw new Ec2Error(
      "InsufficientInstanceCapacity",
      `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${region}a). Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing a different Availability Zone.`,
      500,
    );
  }
  const restoredLabs = rootSnapshotLabs(params, region, state);
  const count = allowedCount(state, region, instanceType, minCount, maxCount);
  const instances = launchInstances(
    state,
    {
      region,
      imageId,
      instanceType,
      tags: instanceTags(params),
      clientToken,
      keyName: params.string("KeyName") ?? null,
      subnetId: params.string("SubnetId") ?? params.string("NetworkInterface.1.SubnetId") ?? null,
      securityGroupIds: [
        ...params.list("SecurityGroupId"),
        ...params.list("NetworkInterface.1.SecurityGroupId"),
      ],
      assignPublicIp: params.boolean("NetworkInterface.1.AssociatePublicIpAddress") ?? true,
      detailedMonitoring: params.boolean("Monitoring.Enabled") ?? false,
    },
    count,
  );
  if (restoredLabs !== null) {
    for (const instance of instances) {
      state.ebs.restoreLabs(instance.instanceId, restoredLabs);
    }
  }
  const first = instances[0];
  if (clientToken !== null && first) {
    state.store.rememberClientToken(region, clientToken, { fingerprint, reservationId: first.reservationId });
  }
  return respond(state, instances);
};

function respond(state: SimState, instances: readonly SimInstance[]) {
  const first = instances[0];
  return first ? reservationXml(first.reservationId, state.accountId, instances) : [];
}

/** How many to launch under the injected instance limit (EC2 launches up to MaxCount, at least MinCount, or fails). */
function allowedCount(
  state: SimState,
  region: string,
  instanceType: string,
  minCount: number,
  maxCount: number,
): number {
  const limit = state.faults.instanceLimit;
  if (limit === null) {
    return maxCount;
  }
  let active = 0;
  for (const instance of state.store.inRegion(region)) {
    if (instance.state !== "terminated" && instance.state !== "shutting-down") {
      active++;
    }
  }
  const room = Math.max(0, limit - active);
  if (room < minCount) {
    throw new Ec2Error(
      "InstanceLimitExceeded",
      `You have requested more instances (${active + minCount}) than your current instance limit of ${limit} allows for the specified instance type (${instanceType}). Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
    );
  }
  return Math.min(maxCount, room);
}

function instanceTags(params: QueryParams): Map<string, string> {
  const tags = new Map<string, string>();
  for (const index of params.indices("TagSpecification")) {
    const resourceType = params.required(`TagSpecification.${index}.ResourceType`);
    if (resourceType !== "instance") {
      continue;
    }
    for (const { key, value } of readTags(params, `TagSpecification.${index}.Tag`)) {
      if (key.toLowerCase().startsWith("aws:")) {
        throw ec2Errors.invalidParameter(`Tag keys starting with 'aws:' are reserved for internal use`);
      }
      tags.set(key, value ?? "");
    }
  }
  return tags;
}
