import { parseDuration } from "@cml-fleet/duration/duration";
import type { SimulatorOptions } from "./options";

/**
 * The simulator's settings from the environment (the standalone service and
 * the all-in-one `pnpm start` read the same variables). Realistic delays by
 * default; `defaults` lets a caller choose shorter ones for a demo.
 * The CML service account falls back to the fleet's own CML_USERNAME /
 * CML_PASSWORD, so a simulator and a fleet started with one environment agree.
 */
export function simulatorOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  defaults: { bootDelayMs: number; stopDelayMs: number; cmlReadyDelayMs: number } = {
    bootDelayMs: 90_000,
    stopDelayMs: 60_000,
    cmlReadyDelayMs: 60_000,
  },
): SimulatorOptions {
  const duration = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === "") {
      return undefined;
    }
    const ms = parseDuration(raw);
    if (ms === null) {
      throw new RangeError(`${name}: invalid duration '${raw}' (expected e.g. 500ms, 2s, 90s, 5m, 1h)`);
    }
    return ms;
  };
  const integer = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === "") {
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a non-negative integer, got '${raw}'`);
    }
    return value;
  };
  return {
    port: integer("SIM_PORT", 4566),
    host: env.SIM_HOST || "127.0.0.1",
    cmlPort: integer("SIM_CML_PORT", 8443),
    ipBlock: integer("SIM_IP_BLOCK", 1),
    bootDelayMs: duration("SIM_BOOT_DELAY") ?? defaults.bootDelayMs,
    stopDelayMs: duration("SIM_STOP_DELAY") ?? defaults.stopDelayMs,
    terminateDelayMs: duration("SIM_TERMINATE_DELAY"),
    cmlReadyDelayMs: duration("SIM_CML_READY_DELAY") ?? defaults.cmlReadyDelayMs,
    statusCheckDelayMs: duration("SIM_STATUS_CHECK_DELAY") ?? 30_000,
    terminatedRetentionMs: duration("SIM_TERMINATED_RETENTION") ?? 3_600_000,
    licenseRegistrationDelayMs: duration("SIM_LICENSE_REGISTRATION_DELAY") ?? 5_000,
    snapshotDelayMs: duration("SIM_SNAPSHOT_DELAY") ?? 10_000,
    cmlUsername: env.SIM_CML_USERNAME || env.CML_USERNAME || undefined,
    cmlPassword: env.SIM_CML_PASSWORD || env.CML_PASSWORD || undefined,
    cmlTokenTtlMs: duration("SIM_CML_TOKEN_TTL"),
    statePath: env.SIM_STATE_PATH || undefined,
  };
}
