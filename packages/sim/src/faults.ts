import { type FieldChecks, field, isNonNegativeInteger, orNull, readPatch } from "./control/patch-fields";

/** Faults injected into EC2 and CloudWatch calls through `PUT /_sim/faults`. */
export interface Faults {
  /** Share of calls (0..1) failing as throttled. */
  readonly throttleRate: number;
  /** Added to every EC2 and CloudWatch call. */
  readonly latencyMs: number;
  /** Added to every simulated CML API answer (so a client's requests overlap and its timeouts can be reached). */
  readonly cmlLatencyMs: number;
  /** Share of calls (0..1) failing with an internal error. */
  readonly failRate: number;
  /** Actions (e.g. "TerminateInstances", "GetMetricData") answered with UnauthorizedOperation / AccessDenied. */
  readonly denyActions: readonly string[];
  /** Instances (not terminated) RunInstances may reach per region, null for no limit. */
  readonly instanceLimit: number | null;
  /** Instance types RunInstances has no capacity for. */
  readonly insufficientCapacityTypes: readonly string[];
  /** Regions whose EC2 and CloudWatch calls all fail with an internal error (a regional outage). */
  readonly failRegions: readonly string[];
}

export const NO_FAULTS: Faults = {
  throttleRate: 0,
  latencyMs: 0,
  cmlLatencyMs: 0,
  failRate: 0,
  denyActions: [],
  instanceLimit: null,
  insufficientCapacityTypes: [],
  failRegions: [],
};

export type InjectedFault = "throttle" | "fail" | "deny";

/** Which fault, if any, hits this call. */
export function pickFault(
  faults: Faults,
  action: string,
  random: () => number = Math.random,
): InjectedFault | null {
  if (faults.denyActions.includes(action)) {
    return "deny";
  }
  if (faults.throttleRate > 0 && random() < faults.throttleRate) {
    return "throttle";
  }
  if (faults.failRate > 0 && random() < faults.failRate) {
    return "fail";
  }
  return null;
}

/** How one protocol reports each injected fault (EC2 and CloudWatch name them differently). */
export type FaultErrors = Readonly<Record<InjectedFault, (action: string) => Error>>;

/** Throws the protocol's error for the fault, if any, that hits this call (in `region`, when it has one). */
export function raiseInjectedFault(
  faults: Faults,
  action: string,
  errors: FaultErrors,
  region: string | null = null,
): void {
  if (region !== null && faults.failRegions.includes(region)) {
    throw errors.fail(action);
  }
  const fault = pickFault(faults, action);
  if (fault !== null) {
    throw errors[fault](action);
  }
}

const isRate = (value: unknown): value is number => typeof value === "number" && value >= 0 && value <= 1;
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === "string");

const FAULT_FIELDS: FieldChecks<Faults> = {
  throttleRate: field(isRate, "a number in 0..1"),
  failRate: field(isRate, "a number in 0..1"),
  latencyMs: field(isNonNegativeInteger, "a non-negative integer"),
  cmlLatencyMs: field(isNonNegativeInteger, "a non-negative integer"),
  instanceLimit: field(orNull(isNonNegativeInteger), "a non-negative integer or null"),
  denyActions: field(isStringArray, "an array of strings"),
  insufficientCapacityTypes: field(isStringArray, "an array of strings"),
  failRegions: field(isStringArray, "an array of strings"),
};

/** Validates a faults patch; unknown keys and out-of-range values are rejected. */
export function mergeFaults(current: Faults, patch: unknown): Faults | string {
  const fields = readPatch(patch, FAULT_FIELDS, (key) => `unknown fault '${key}'`);
  return typeof fields === "string" ? fields : { ...current, ...fields };
}
