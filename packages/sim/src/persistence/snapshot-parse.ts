import type { CmlEvent, CmlLab, RegistrationStatus } from "../cml/cml-controller";
import { INSTANCE_STATE_CODES, type InstanceStateName, type StateReason } from "../state/instance";
import {
  type ClientTokenSnapshot,
  type CmlControllerSnapshot,
  type EbsSnapshotRecord,
  type InstanceSnapshot,
  type SimSnapshot,
  SNAPSHOT_VERSION,
} from "./snapshot";

/** A snapshot that is not what this version of the simulator writes; the message names the bad field. */
export class SnapshotFormatError extends Error {}

type Fields = Readonly<Record<string, unknown>>;

const REGISTRATION_STATUSES: readonly RegistrationStatus[] = [
  "NOT_REGISTERED",
  "IN_PROGRESS",
  "COMPLETED",
  "FAILED",
];

/** Checks every field of a parsed snapshot file (a hand edit or a half-written file must not crash a start). */
export function parseSnapshot(raw: unknown): SimSnapshot {
  const root = object(raw, "snapshot");
  if (root.version !== SNAPSHOT_VERSION) {
    throw new SnapshotFormatError(`version is ${String(root.version)}, expected ${SNAPSHOT_VERSION}`);
  }
  const instances = array(root.instances, "instances").map(parseInstance);
  const ids = new Set<string>();
  for (const instance of instances) {
    if (ids.has(instance.instanceId)) {
      throw new SnapshotFormatError(`instance ${instance.instanceId} appears twice`);
    }
    ids.add(instance.instanceId);
  }
  return {
    version: SNAPSHOT_VERSION,
    savedAt: string(root.savedAt, "savedAt"),
    ipBlock: integer(root.ipBlock, "ipBlock"),
    instances,
    clientTokens: array(root.clientTokens, "clientTokens").map(parseClientToken),
    controllers: array(root.controllers, "controllers").map(parseController),
    // Files written before the simulator had EBS snapshots have none.
    ebsSnapshots:
      root.ebsSnapshots === undefined ? [] : array(root.ebsSnapshots, "ebsSnapshots").map(parseEbsSnapshot),
  };
}

function parseEbsSnapshot(raw: unknown, index: number): EbsSnapshotRecord {
  const at = `ebsSnapshots[${index}]`;
  const fields = object(raw, at);
  const text = (key: string) => string(fields[key], `${at}.${key}`);
  const count = (key: string) => integer(fields[key], `${at}.${key}`);
  return {
    snapshotId: text("snapshotId"),
    seq: count("seq"),
    ownerId: text("ownerId"),
    region: text("region"),
    volumeId: text("volumeId"),
    volumeSize: count("volumeSize"),
    description: text("description"),
    startTime: count("startTime"),
    completesAt: count("completesAt"),
    tags: tagPairs(fields.tags, `${at}.tags`),
    labs: array(fields.labs, `${at}.labs`).map((lab, n) => parseLab(lab, `${at}.labs[${n}]`)),
  };
}

function parseInstance(raw: unknown, index: number): InstanceSnapshot {
  const at = `instances[${index}]`;
  const fields = object(raw, at);
  const text = (key: string) => string(fields[key], `${at}.${key}`);
  const launchTime = text("launchTime");
  if (Number.isNaN(Date.parse(launchTime))) {
    throw new SnapshotFormatError(`${at}.launchTime is not a date`);
  }
  return {
    instanceId: text("instanceId"),
    seq: integer(fields.seq, `${at}.seq`),
    region: text("region"),
    reservationId: text("reservationId"),
    ownerId: text("ownerId"),
    imageId: text("imageId"),
    instanceType: text("instanceType"),
    launchTime,
    amiLaunchIndex: integer(fields.amiLaunchIndex, `${at}.amiLaunchIndex`),
    clientToken: nullable(fields.clientToken, `${at}.clientToken`, string),
    keyName: nullable(fields.keyName, `${at}.keyName`, string),
    subnetId: text("subnetId"),
    vpcId: text("vpcId"),
    securityGroupIds: array(fields.securityGroupIds, `${at}.securityGroupIds`).map((id, n) =>
      string(id, `${at}.securityGroupIds[${n}]`),
    ),
    availabilityZone: text("availabilityZone"),
    detailedMonitoring: boolean(fields.detailedMonitoring, `${at}.detailedMonitoring`),
    loopbackIp: text("loopbackIp"),
    hasPublicIp: boolean(fields.hasPublicIp, `${at}.hasPublicIp`),
    privateIp: text("privateIp"),
    state: instanceState(fields.state, `${at}.state`),
    stateReason: nullable(fields.stateReason, `${at}.stateReason`, stateReason),
    stateTransitionReason: text("stateTransitionReason"),
    tags: tagPairs(fields.tags, `${at}.tags`),
  };
}

function tagPairs(raw: unknown, at: string): (readonly [string, string])[] {
  return array(raw, at).map((pair, n) => {
    const [key, value, ...rest] = array(pair, `${at}[${n}]`);
    if (rest.length > 0) {
      throw new SnapshotFormatError(`${at}[${n}] must be a [key, value] pair`);
    }
    return [string(key, `${at}[${n}][0]`), string(value, `${at}[${n}][1]`)] as const;
  });
}

function parseClientToken(raw: unknown, index: number): ClientTokenSnapshot {
  const at = `clientTokens[${index}]`;
  const fields = object(raw, at);
  return {
    region: string(fields.region, `${at}.region`),
    token: string(fields.token, `${at}.token`),
    fingerprint: string(fields.fingerprint, `${at}.fingerprint`),
    reservationId: string(fields.reservationId, `${at}.reservationId`),
  };
}

function parseController(raw: unknown, index: number): CmlControllerSnapshot {
  const at = `controllers[${index}]`;
  const fields = object(raw, at);
  const text = (key: string) => string(fields[key], `${at}.${key}`);
  const registration = fields.registration;
  if (!REGISTRATION_STATUSES.some((status) => status === registration)) {
    throw new SnapshotFormatError(`${at}.registration is not a registration status`);
  }
  return {
    instanceId: text("instanceId"),
    serviceUserId: text("serviceUserId"),
    studentUserId: text("studentUserId"),
    computeId: text("computeId"),
    reachable: boolean(fields.reachable, `${at}.reachable`),
    // Files written before the simulator could fake an unhealthy controller have no `healthy`.
    healthy: fields.healthy === undefined ? true : boolean(fields.healthy, `${at}.healthy`),
    runningNodes: integer(fields.runningNodes, `${at}.runningNodes`),
    labs: array(fields.labs, `${at}.labs`).map((lab, n) => parseLab(lab, `${at}.labs[${n}]`)),
    events: array(fields.events, `${at}.events`).map((event, n) => parseEvent(event, `${at}.events[${n}]`)),
    registration: registration as RegistrationStatus,
    registeredAt: nullable(fields.registeredAt, `${at}.registeredAt`, integer),
    registerCalls: integer(fields.registerCalls, `${at}.registerCalls`),
    deregisterCalls: integer(fields.deregisterCalls, `${at}.deregisterCalls`),
  };
}

function parseLab(raw: unknown, at: string): CmlLab {
  const fields = object(raw, at);
  const text = (key: string) => string(fields[key], `${at}.${key}`);
  return {
    id: text("id"),
    title: text("title"),
    state: text("state"),
    nodeCount: integer(fields.nodeCount, `${at}.nodeCount`),
    created: text("created"),
    modified: text("modified"),
  };
}

function parseEvent(raw: unknown, at: string): CmlEvent {
  const fields = object(raw, at);
  const data = object(fields.data, `${at}.data`);
  const userId = string(data.user_id, `${at}.data.user_id`);
  const labId = data.lab_id === undefined ? undefined : string(data.lab_id, `${at}.data.lab_id`);
  return {
    category: string(fields.category, `${at}.category`),
    timestamp: string(fields.timestamp, `${at}.timestamp`),
    data: labId === undefined ? { user_id: userId } : { user_id: userId, lab_id: labId },
  };
}

function stateReason(raw: unknown, at: string): StateReason {
  const fields = object(raw, at);
  return { code: string(fields.code, `${at}.code`), message: string(fields.message, `${at}.message`) };
}

function instanceState(raw: unknown, at: string): InstanceStateName {
  if (typeof raw !== "string" || !Object.hasOwn(INSTANCE_STATE_CODES, raw)) {
    throw new SnapshotFormatError(`${at} is not an instance state`);
  }
  return raw as InstanceStateName;
}

function object(raw: unknown, at: string): Fields {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SnapshotFormatError(`${at} must be an object`);
  }
  return raw as Fields;
}

function array(raw: unknown, at: string): readonly unknown[] {
  if (!Array.isArray(raw)) {
    throw new SnapshotFormatError(`${at} must be an array`);
  }
  return raw;
}

function string(raw: unknown, at: string): string {
  if (typeof raw !== "string") {
    throw new SnapshotFormatError(`${at} must be a string`);
  }
  return raw;
}

function integer(raw: unknown, at: string): number {
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0) {
    throw new SnapshotFormatError(`${at} must be a non-negative integer`);
  }
  return raw;
}

function boolean(raw: unknown, at: string): boolean {
  if (typeof raw !== "boolean") {
    throw new SnapshotFormatError(`${at} must be a boolean`);
  }
  return raw;
}

function nullable<T>(raw: unknown, at: string, parse: (value: unknown, at: string) => T): T | null {
  return raw === null ? null : parse(raw, at);
}
