/**
 * The password every simulated controller accepts by default: the fleet's own
 * development default, so a fleet and a simulator started without
 * configuration work together.
 */
export const SIM_DEFAULT_CML_PASSWORD = "cml-fleet-dev-password";

/** Settings of one simulator; every field has a default suited to tests (short delays). */
export interface SimulatorOptions {
  /** HTTP port of the EC2/CloudWatch/control endpoint; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address the HTTP endpoint binds (default 127.0.0.1). */
  readonly host?: string;
  /** Port of every instance's CML HTTPS API; 0 (default) picks one free port for all instances. */
  readonly cmlPort?: number;
  /** Second octet of the instances' loopback addresses 127.<ipBlock>.x.y (1..254); parallel simulators should differ. */
  readonly ipBlock?: number;
  readonly bootDelayMs?: number;
  readonly stopDelayMs?: number;
  /** shutting-down -> terminated; defaults to stopDelayMs. */
  readonly terminateDelayMs?: number;
  /** running -> CML `ready`. */
  readonly cmlReadyDelayMs?: number;
  /** running -> EC2 status checks `ok` (before: `initializing`). */
  readonly statusCheckDelayMs?: number;
  /** How long terminated instances stay visible before they are purged. */
  readonly terminatedRetentionMs?: number;
  /** License registration IN_PROGRESS -> COMPLETED. */
  readonly licenseRegistrationDelayMs?: number;
  /** EBS CreateSnapshot -> `completed` (progress climbs from 0% meanwhile). */
  readonly snapshotDelayMs?: number;
  /** The CML service account every simulated controller accepts. */
  readonly cmlUsername?: string;
  readonly cmlPassword?: string;
  readonly cmlTokenTtlMs?: number;
  /** The simulated AWS account id. */
  readonly accountId?: string;
  /** Where unexpected handler errors go (default: console.error). */
  readonly onError?: (error: unknown) => void;
  /**
   * A JSON file the simulator restores its instances and CML controllers from
   * at start (when it exists) and saves them to on `close()`; unset keeps
   * everything in memory only.
   */
  readonly statePath?: string;
  /** Where a warning goes, e.g. an unusable state file (default: console.warn). */
  readonly onWarning?: (message: string) => void;
}

export function warnOnConsole(message: string): void {
  console.warn(`[sim] ${message}`);
}

export type ResolvedSimulatorOptions = Required<Omit<SimulatorOptions, "statePath">> & {
  readonly statePath: string | null;
};

export function resolveOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const stopDelayMs = options.stopDelayMs ?? 200;
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    cmlPort: options.cmlPort ?? 0,
    ipBlock: options.ipBlock ?? 1 + Math.floor(Math.random() * 254),
    bootDelayMs: options.bootDelayMs ?? 200,
    stopDelayMs,
    terminateDelayMs: options.terminateDelayMs ?? stopDelayMs,
    cmlReadyDelayMs: options.cmlReadyDelayMs ?? 200,
    statusCheckDelayMs: options.statusCheckDelayMs ?? 200,
    terminatedRetentionMs: options.terminatedRetentionMs ?? 60 * 60 * 1000,
    licenseRegistrationDelayMs: options.licenseRegistrationDelayMs ?? 300,
    snapshotDelayMs: options.snapshotDelayMs ?? 300,
    cmlUsername: options.cmlUsername ?? "admin",
    cmlPassword: options.cmlPassword ?? SIM_DEFAULT_CML_PASSWORD,
    cmlTokenTtlMs: options.cmlTokenTtlMs ?? 8 * 60 * 60 * 1000,
    accountId: options.accountId ?? "123456789012",
    onError: options.onError ?? ((error: unknown) => console.error("[sim] unexpected error", error)),
    statePath: options.statePath ?? null,
    onWarning: options.onWarning ?? warnOnConsole,
  };
}
