import {
  type EbsSnapshot,
  isWellFormedSnapshotId,
  snapshotProgress,
  snapshotStatus,
} from "../ebs/ebs-snapshot";
import { isWellFormedInstanceId, type SimInstance } from "../state/instance";
import type { SimState } from "../state/sim-state";
import { SIM_ROOT_VOLUME_GIB } from "./describe-volumes";
import type { Ec2Action } from "./ec2-action";
import { Ec2Error, ec2Errors } from "./ec2-error";
import { decodeNextToken, readMaxResults, takePage } from "./instance-lookup";
import { type QueryParams, readFilters, readTags, wildcardMatcher } from "./query-params";
import { el, itemSet, type XmlNode } from "./xml";

/** EC2 allows descriptions of up to 255 characters. */
const MAX_DESCRIPTION_LENGTH = 255;

export const snapshotErrors = {
  notFound: (ids: readonly string[]) =>
    new Ec2Error(
      "InvalidSnapshot.NotFound",
      ids.length === 1
        ? `The snapshot '${ids[0]}' does not exist.`
        : `The snapshots '${ids.join(", ")}' do not exist.`,
    ),
  malformed: (id: string) =>
    new Ec2Error("InvalidSnapshotID.Malformed", `Invalid id: "${id}" (expecting "snap-...")`),
  volumeNotFound: (id: string) =>
    new Ec2Error("InvalidVolume.NotFound", `The volume '${id}' does not exist.`),
  volumeMalformed: (id: string) =>
    new Ec2Error("InvalidVolumeID.Malformed", `Invalid id: "${id}" (expecting "vol-...")`),
};

/** The root volume's id is the instance's hex under `vol-` (see describe-volumes.ts). */
function instanceOfVolume(state: SimState, region: string, volumeId: string): SimInstance {
  if (!/^vol-[0-9a-f]{8,17}$/.test(volumeId)) {
    throw snapshotErrors.volumeMalformed(volumeId);
  }
  const instanceId = `i-${volumeId.slice("vol-".length)}`;
  const instance = isWellFormedInstanceId(instanceId) ? state.store.get(instanceId) : undefined;
  if (instance === undefined || instance.region !== region || instance.state === "terminated") {
    throw snapshotErrors.volumeNotFound(volumeId);
  }
  return instance;
}

function snapshotTags(params: QueryParams): Map<string, string> {
  const tags = new Map<string, string>();
  for (const index of params.indices("TagSpecification")) {
    const resourceType = params.required(`TagSpecification.${index}.ResourceType`);
    if (resourceType !== "snapshot") {
      throw ec2Errors.invalidParameter(
        `'${resourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
    for (const { key, value } of readTags(params, `TagSpecification.${index}.Tag`)) {
      if (key.length === 0 || key.length > 128) {
        throw ec2Errors.invalidParameter(`Tag key '${key}' must be 1 to 128 characters long`);
      }
      if (key.toLowerCase().startsWith("aws:")) {
        throw ec2Errors.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use");
      }
      if ((value ?? "").length > 256) {
        throw ec2Errors.invalidParameter(`Tag value for key '${key}' must be at most 256 characters long`);
      }
      tags.set(key, value ?? "");
    }
  }
  if (tags.size > 50) {
    throw new Ec2Error("TagLimitExceeded", "The maximum number of tags per resource is 50.");
  }
  return tags;
}

/** EC2 `CreateSnapshot` of an instance's root volume: `pending`, then `completed` after the snapshot delay. */
export const createSnapshot: Ec2Action = (params, region, state) => {
  const volumeId = params.required("VolumeId");
  const description = params.string("Description") ?? "";
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw ec2Errors.invalidParameter(
      `Value for parameter Description is too long (max ${MAX_DESCRIPTION_LENGTH}).`,
    );
  }
  const tags = snapshotTags(params);
  const instance = instanceOfVolume(state, region, volumeId);
  const now = state.now();
  const snapshot = state.ebs.snapshots.create({
    ownerId: state.accountId,
    region,
    volumeId,
    volumeSize: SIM_ROOT_VOLUME_GIB,
    description,
    startTime: now,
    completesAt: now + state.ebs.snapshotDelayMs,
    tags,
    labs: state.ebs.labsOf(instance.instanceId),
  });
  return snapshotFields(snapshot, now);
};

type SnapshotPredicate = (snapshot: EbsSnapshot, now: number) => boolean;

function snapshotPredicates(params: QueryParams): SnapshotPredicate[] {
  return readFilters(params).map((filter) => {
    const matchers = filter.values.map(wildcardMatcher);
    const anyValue = (value: string | undefined) =>
      value !== undefined && matchers.some((match) => match(value));
    if (filter.name.startsWith("tag:")) {
      const key = filter.name.slice("tag:".length);
      return (snapshot) => anyValue(snapshot.tags.get(key));
    }
    switch (filter.name) {
      case "tag-key":
        return (snapshot) => [...snapshot.tags.keys()].some((key) => anyValue(key));
      case "snapshot-id":
        return (snapshot) => anyValue(snapshot.snapshotId);
      case "volume-id":
        return (snapshot) => anyValue(snapshot.volumeId);
      case "status":
        return (snapshot, now) => anyValue(snapshotStatus(snapshot, now));
      case "owner-id":
        return (snapshot) => anyValue(snapshot.ownerId);
      case "description":
        return (snapshot) => anyValue(snapshot.description);
      default:
        throw ec2Errors.invalidParameter(`The filter '${filter.name}' is invalid`);
    }
  });
}

/**
 * EC2 `DescribeSnapshots`: the caller's snapshots of the region (`Owner.N`, the SDK's OwnerIds, of `self` or the
 * account's id; another owner has none here), by `SnapshotId.N` (an unknown one fails the call)
 * and filters, `MaxResults` 5..1000 with `NextToken` in creation order.
 */
export const describeSnapshots: Ec2Action = (params, region, state) => {
  const ids = params.list("SnapshotId");
  for (const id of ids) {
    if (!isWellFormedSnapshotId(id)) {
      throw snapshotErrors.malformed(id);
    }
  }
  const maxResults = readMaxResults(params, ids.length > 0, "snapshotSet");
  const owners = params.list("Owner");
  const ownerMatches =
    owners.length === 0 || owners.some((owner) => owner === "self" || owner === state.accountId);
  const predicates = snapshotPredicates(params);
  const now = state.now();
  const matches = (snapshot: EbsSnapshot) =>
    ownerMatches && predicates.every((predicate) => predicate(snapshot, now));
  if (ids.length > 0) {
    const found = ids.map((id) => state.ebs.snapshots.get(state.accountId, region, id));
    const missing = ids.filter((_id, index) => found[index] === undefined);
    if (missing.length > 0) {
      throw snapshotErrors.notFound(missing);
    }
    const page = found.filter(
      (snapshot): snapshot is EbsSnapshot => snapshot !== undefined && matches(snapshot),
    );
    return [itemSet("snapshotSet", page, (snapshot) => snapshotFields(snapshot, now))];
  }
  const afterSeq = decodeNextToken(params.string("NextToken"));
  const candidates = state.ebs.snapshots
    .list(state.accountId, region)
    .filter((snapshot) => snapshot.seq > afterSeq);
  const { page, nextToken } = takePage(candidates, matches, maxResults);
  return [
    itemSet("snapshotSet", page, (snapshot) => snapshotFields(snapshot, now)),
    nextToken ? el("nextToken", nextToken) : null,
  ];
};

/** EC2 `DeleteSnapshot`: the caller's snapshot of the region, pending or completed. */
export const deleteSnapshot: Ec2Action = (params, region, state) => {
  const snapshotId = params.required("SnapshotId");
  if (!isWellFormedSnapshotId(snapshotId)) {
    throw snapshotErrors.malformed(snapshotId);
  }
  const snapshot = state.ebs.snapshots.get(state.accountId, region, snapshotId);
  if (snapshot === undefined) {
    throw snapshotErrors.notFound([snapshotId]);
  }
  state.ebs.snapshots.delete(snapshot.snapshotId);
  return [el("return", true)];
};

function snapshotFields(snapshot: EbsSnapshot, now: number): XmlNode[] {
  return [
    el("snapshotId", snapshot.snapshotId),
    el("volumeId", snapshot.volumeId),
    el("status", snapshotStatus(snapshot, now)),
    el("startTime", new Date(snapshot.startTime).toISOString()),
    el("progress", snapshotProgress(snapshot, now)),
    el("ownerId", snapshot.ownerId),
    el("volumeSize", snapshot.volumeSize),
    el("description", snapshot.description),
    el("encrypted", false),
    el("storageTier", "standard"),
    itemSet("tagSet", [...snapshot.tags], ([key, value]) => [el("key", key), el("value", value)]),
  ];
}
