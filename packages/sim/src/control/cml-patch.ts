import type { CmlController } from "../cml/cml-controller";
import { cmlTimestamp, HEALTH_CHECK_NAMES, type HealthCheckName } from "../cml/cml-controller";
import { SIM_CERTIFICATES, type SimCertificate } from "../cml/tls";
import {
  type FieldChecks,
  type FieldResult,
  field,
  isBoolean,
  isNonNegativeInteger,
  isOneOf,
  orNull,
  readPatch,
} from "./patch-fields";

export interface CmlLabInput {
  readonly id: string;
  readonly title: string;
  readonly state: string;
  readonly nodeCount: number;
}

export interface CmlPatch {
  readonly ready?: boolean | null;
  readonly reachable?: boolean;
  readonly healthy?: boolean;
  readonly failingChecks?: readonly HealthCheckName[];
  readonly runningNodes?: number;
  readonly labs?: readonly CmlLabInput[];
  readonly activity?: boolean;
  readonly certificate?: SimCertificate;
  readonly failRegistrations?: number;
}

const DEFAULT_LAB_NODES = 2;

const CML_PATCH_FIELDS: FieldChecks<CmlPatch> = {
  ready: field(orNull(isBoolean), "a boolean (or null to follow the ready delay again)"),
  reachable: field(isBoolean, "a boolean"),
  healthy: field(isBoolean, "a boolean"),
  failingChecks: parseFailingChecks,
  activity: field(isBoolean, "a boolean"),
  runningNodes: field(isNonNegativeInteger, "a non-negative integer"),
  failRegistrations: field(isNonNegativeInteger, "a non-negative integer"),
  labs: parseLabs,
  certificate: field(
    isOneOf(SIM_CERTIFICATES),
    `one of ${SIM_CERTIFICATES.map((name) => `"${name}"`).join(", ")}`,
  ),
};

/** Validates `PATCH /_sim/instances/{id}/cml`; a string is the error message. */
export function parseCmlPatch(body: unknown): CmlPatch | string {
  return readPatch(body, CML_PATCH_FIELDS, (key) => `unknown field '${key}'`);
}

const isHealthCheckName = isOneOf(HEALTH_CHECK_NAMES);

function parseFailingChecks(value: unknown): FieldResult<HealthCheckName[]> {
  if (!Array.isArray(value) || !value.every(isHealthCheckName)) {
    return {
      error: `failingChecks must be an array of ${HEALTH_CHECK_NAMES.map((name) => `"${name}"`).join(", ")}`,
    };
  }
  return { value: [...new Set(value)] };
}

function parseLabs(value: unknown): FieldResult<CmlLabInput[]> {
  if (!Array.isArray(value)) {
    return { error: "labs must be an array" };
  }
  const labs: CmlLabInput[] = [];
  for (const raw of value) {
    if (typeof raw !== "object" || raw === null) {
      return { error: "each lab must be an object { id, title, state, nodeCount? }" };
    }
    const { id, title, state, nodeCount } = raw as Record<string, unknown>;
    if (typeof id !== "string" || id === "" || typeof state !== "string") {
      return { error: "each lab needs a string id and state" };
    }
    if (nodeCount !== undefined && !isNonNegativeInteger(nodeCount)) {
      return { error: "lab nodeCount must be a non-negative integer" };
    }
    labs.push({
      id,
      title: typeof title === "string" ? title : id,
      state,
      nodeCount: nodeCount ?? DEFAULT_LAB_NODES,
    });
  }
  return { value: labs };
}

/** Applies a validated patch; the caller re-syncs the listener when `reachable` or `certificate` changed. */
export function applyCmlPatch(controller: CmlController, patch: CmlPatch, now: number): void {
  if (patch.ready !== undefined) {
    controller.readyOverride = patch.ready;
  }
  if (patch.reachable !== undefined) {
    controller.reachable = patch.reachable;
  }
  if (patch.certificate !== undefined) {
    controller.certificate = patch.certificate;
  }
  if (patch.healthy !== undefined) {
    controller.healthy = patch.healthy;
  }
  if (patch.failingChecks !== undefined) {
    controller.failingChecks = patch.failingChecks;
  }
  if (patch.labs !== undefined) {
    const previous = new Map(controller.labs);
    controller.labs.clear();
    for (const lab of patch.labs) {
      controller.labs.set(lab.id, {
        ...lab,
        created: previous.get(lab.id)?.created ?? cmlTimestamp(now),
        modified: cmlTimestamp(now),
      });
    }
  }
  if (patch.runningNodes !== undefined) {
    controller.runningNodes = patch.runningNodes;
  }
  if (patch.failRegistrations !== undefined) {
    controller.failRegistrations = patch.failRegistrations;
  }
  if (patch.activity === true) {
    controller.appendEvent("user_activity", controller.studentUserId, now);
  }
}
