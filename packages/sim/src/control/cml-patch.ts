import type { CmlController } from "../cml/cml-controller";
import { cmlTimestamp } from "../cml/cml-controller";

export interface CmlLabInput {
  readonly id: string;
  readonly title: string;
  readonly state: string;
  readonly nodeCount: number;
}

export interface CmlPatch {
  readonly ready?: boolean | null;
  readonly reachable?: boolean;
  readonly runningNodes?: number;
  readonly labs?: readonly CmlLabInput[];
  readonly activity?: boolean;
}

const DEFAULT_LAB_NODES = 2;

/** Validates `PATCH /_sim/instances/{id}/cml`; a string is the error message. */
export function parseCmlPatch(body: unknown): CmlPatch | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "body must be a JSON object";
  }
  const patch: { -readonly [K in keyof CmlPatch]: CmlPatch[K] } = {};
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case "ready":
        if (typeof value !== "boolean" && value !== null) {
          return "ready must be a boolean (or null to follow the ready delay again)";
        }
        patch.ready = value;
        break;
      case "reachable":
      case "activity":
        if (typeof value !== "boolean") {
          return `${key} must be a boolean`;
        }
        patch[key] = value;
        break;
      case "runningNodes":
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
          return "runningNodes must be a non-negative integer";
        }
        patch.runningNodes = value;
        break;
      case "labs": {
        const labs = parseLabs(value);
        if (typeof labs === "string") {
          return labs;
        }
        patch.labs = labs;
        break;
      }
      default:
        return `unknown field '${key}'`;
    }
  }
  return patch;
}

function parseLabs(value: unknown): CmlLabInput[] | string {
  if (!Array.isArray(value)) {
    return "labs must be an array";
  }
  const labs: CmlLabInput[] = [];
  for (const raw of value) {
    if (typeof raw !== "object" || raw === null) {
      return "each lab must be an object { id, title, state, nodeCount? }";
    }
    const { id, title, state, nodeCount } = raw as Record<string, unknown>;
    if (typeof id !== "string" || id === "" || typeof state !== "string") {
      return "each lab needs a string id and state";
    }
    if (
      nodeCount !== undefined &&
      (typeof nodeCount !== "number" || !Number.isInteger(nodeCount) || nodeCount < 0)
    ) {
      return "lab nodeCount must be a non-negative integer";
    }
    labs.push({
      id,
      title: typeof title === "string" ? title : id,
      state,
      nodeCount: typeof nodeCount === "number" ? nodeCount : DEFAULT_LAB_NODES,
    });
  }
  return labs;
}

/** Applies a validated patch; the caller re-syncs the listener when `reachable` changed. */
export function applyCmlPatch(controller: CmlController, patch: CmlPatch, now: number): void {
  if (patch.ready !== undefined) {
    controller.readyOverride = patch.ready;
  }
  if (patch.reachable !== undefined) {
    controller.reachable = patch.reachable;
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
  if (patch.activity === true) {
    controller.appendEvent("user_activity", controller.studentUserId, now);
  }
}
