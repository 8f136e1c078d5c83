import { parseDuration } from "./durations";
import { type SimulatorOptions, startSimulator } from "./simulator";

/** Standalone simulator: the only place that reads the environment. */
function optionsFromEnv(env: NodeJS.ProcessEnv): SimulatorOptions {
  const duration = (name: string) => {
    const raw = env[name];
    return raw === undefined || raw === "" ? undefined : parseDuration(raw);
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
    bootDelayMs: duration("SIM_BOOT_DELAY") ?? 90_000,
    stopDelayMs: duration("SIM_STOP_DELAY") ?? 60_000,
    terminateDelayMs: duration("SIM_TERMINATE_DELAY"),
    cmlReadyDelayMs: duration("SIM_CML_READY_DELAY") ?? 60_000,
    statusCheckDelayMs: duration("SIM_STATUS_CHECK_DELAY") ?? 30_000,
    terminatedRetentionMs: duration("SIM_TERMINATED_RETENTION") ?? 3_600_000,
    licenseRegistrationDelayMs: duration("SIM_LICENSE_REGISTRATION_DELAY") ?? 5_000,
    cmlUsername: env.SIM_CML_USERNAME || undefined,
    cmlPassword: env.SIM_CML_PASSWORD || undefined,
    cmlTokenTtlMs: duration("SIM_CML_TOKEN_TTL"),
  };
}

const sim = await startSimulator(optionsFromEnv(process.env));
console.log(`[sim] EC2/CloudWatch endpoint and control API on ${sim.url} (CML HTTPS port ${sim.cmlPort})`);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) {
    return;
  }
  closing = true;
  console.log(`[sim] ${signal}: shutting down`);
  sim.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("[sim] shutdown failed", error);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
