import { SIM_INSTANCE_TYPES } from "../catalog";
import type { SimInstance } from "../state/instance";

/** What runs on an instance's CML, which drives its simulated metrics. */
export interface InstanceLoad {
  readonly runningNodes: number;
}

export type LoadSource = (instance: SimInstance) => InstanceLoad;

export const SYNTHETIC_METRICS = new Set([
  "AWS/EC2|CPUUtilization",
  "AWS/EC2|NetworkIn",
  "AWS/EC2|NetworkOut",
  "CWAgent|mem_used_percent",
]);

export type Statistic = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";

/**
 * The value of a built-in metric for one period starting at `periodStart`
 * (epoch seconds). Deterministic per instance, metric and period, so repeated
 * queries agree: idle controllers sit at 1-3 % CPU, running nodes add load.
 */
export function syntheticValue(
  instance: SimInstance,
  load: InstanceLoad,
  key: string,
  periodStart: number,
  periodSeconds: number,
  stat: Statistic,
): number {
  const noise = unitNoise(`${instance.instanceId}|${key}|${periodStart}`);
  const nodes = load.runningNodes;
  const vcpus = SIM_INSTANCE_TYPES[instance.instanceType]?.vcpus ?? 8;
  const samples = Math.max(1, Math.round(periodSeconds / 60));
  if (stat === "SampleCount") {
    return samples;
  }
  switch (key) {
    case "AWS/EC2|CPUUtilization": {
      // Each running node keeps roughly one vCPU busy, on top of the controller's own 1-3 %.
      const busy = nodes === 0 ? 1 + 2 * noise : 3 + (100 * nodes * (0.6 + 0.4 * noise)) / vcpus;
      return round(Math.min(99, busy) * (stat === "Sum" ? samples : 1));
    }
    case "CWAgent|mem_used_percent": {
      const used = nodes === 0 ? 6 + 3 * noise : 12 + nodes * 4 * (0.8 + 0.4 * noise);
      return round(Math.min(97, used) * (stat === "Sum" ? samples : 1));
    }
    default: {
      // Network bytes per one-minute sample: a few KB of housekeeping when idle, megabytes per running node.
      const perMinute = nodes === 0 ? 20_000 + 40_000 * noise : nodes * 2_000_000 * (0.5 + noise);
      const factor = key === "AWS/EC2|NetworkOut" ? 0.7 : 1;
      return Math.round(perMinute * factor * (stat === "Sum" ? samples : 1));
    }
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A stable pseudo-random number in [0, 1) from a string (FNV-1a). */
function unitNoise(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}
