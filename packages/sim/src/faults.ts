/** Faults injected into EC2 and CloudWatch calls through `PUT /_sim/faults`. */
export interface Faults {
  /** Share of calls (0..1) failing as throttled. */
  readonly throttleRate: number;
  /** Added to every EC2 and CloudWatch call. */
  readonly latencyMs: number;
  /** Share of calls (0..1) failing with an internal error. */
  readonly failRate: number;
  /** Actions (e.g. "TerminateInstances", "GetMetricData") answered with UnauthorizedOperation / AccessDenied. */
  readonly denyActions: readonly string[];
  /** Instances (not terminated) RunInstances may reach per region, null for no limit. */
  readonly instanceLimit: number | null;
  /** Instance types RunInstances has no capacity for. */
  readonly insufficientCapacityTypes: readonly string[];
}

export const NO_FAULTS: Faults = {
  throttleRate: 0,
  latencyMs: 0,
  failRate: 0,
  denyActions: [],
  instanceLimit: null,
  insufficientCapacityTypes: [],
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

/** Validates a faults patch; unknown keys and out-of-range values are rejected. */
export function mergeFaults(current: Faults, patch: unknown): Faults | string {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return "body must be a JSON object";
  }
  const next: { -readonly [K in keyof Faults]: Faults[K] } = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case "throttleRate":
      case "failRate":
        if (typeof value !== "number" || value < 0 || value > 1) {
          return `${key} must be a number in 0..1`;
        }
        next[key] = value;
        break;
      case "latencyMs":
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
          return "latencyMs must be a non-negative integer";
        }
        next.latencyMs = value;
        break;
      case "instanceLimit":
        if (value !== null && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) {
          return "instanceLimit must be a non-negative integer or null";
        }
        next.instanceLimit = value;
        break;
      case "denyActions":
      case "insufficientCapacityTypes":
        if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string")) {
          return `${key} must be an array of strings`;
        }
        next[key] = value;
        break;
      default:
        return `unknown fault '${key}'`;
    }
  }
  return next;
}
