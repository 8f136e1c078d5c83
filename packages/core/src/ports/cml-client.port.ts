import type { CmlLab } from "../domain/worker";
import type { LicenseStatus } from "../domain/worker-status";

/** Where a worker's CML API answers: `https://<public ip>:<port>`. */
export interface CmlEndpoint {
  readonly workerId: string;
  readonly baseUrl: string;
  /**
   * SHA-256 fingerprint of the certificate pinned for this worker (`AB:CD:...`);
   * null or absent: none yet, so the first handshake pins it (trust on first use).
   */
  readonly certificatePin?: string | null | undefined;
  /**
   * Abandons every request made for this endpoint when it aborts (waiting
   * for a slot or sent): the deadline of one look at the worker, so a look
   * given up on frees what it held at once.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Where the CML client records the certificate a worker presented on its first
 * contact. `pinFirstCertificate` stores `fingerprint` only when no pin is
 * stored yet, and answers the pin stored afterwards (the given one, or the one
 * another process pinned first; null when the worker is gone), so the caller
 * can refuse a certificate that does not match it.
 */
export interface CmlCertificatePins {
  pinFirstCertificate(workerId: string, fingerprint: string): Promise<string | null>;
}

export interface CmlSystemInformation {
  readonly version: string;
  readonly ready: boolean;
}

export interface CmlSystemHealth {
  readonly valid: boolean;
  readonly isLicensed: boolean;
  readonly computesValid: boolean;
  /**
   * The components that fail, named for a person: a compute by its host name
   * and the checks it fails, the controller's own services. Empty when CML
   * names none (absent from fakes built before it existed).
   */
  readonly failing?: readonly string[];
}

export interface CmlSystemStats {
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  /** Sum of `running_nodes` over all computes. */
  readonly runningNodes: number;
  readonly totalNodes: number;
}

export interface CmlLicensing {
  readonly status: LicenseStatus;
  readonly registrationStatus: string;
  readonly authorizationStatus: string;
  readonly nodeLimit: number | null;
  readonly nodesInUse: number | null;
  readonly expires: Date | null;
}

export interface CmlActivityEvent {
  readonly category: string;
  readonly at: Date;
  readonly userId: string | null;
}

export interface LicenseRegistrationOptions {
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
}

/** Result of a deregistration: `localOnly` when Cisco's service did not answer (HTTP 202). */
export interface LicenseDeregistration {
  readonly localOnly: boolean;
}

/**
 * A worker's CML controller. Implementations cache a token per worker,
 * re-authenticate once on 401, apply timeouts, and throw `CmlError`.
 */
export interface CmlClient {
  systemInformation(endpoint: CmlEndpoint): Promise<CmlSystemInformation>;
  systemHealth(endpoint: CmlEndpoint): Promise<CmlSystemHealth>;
  systemStats(endpoint: CmlEndpoint): Promise<CmlSystemStats>;
  licensing(endpoint: CmlEndpoint): Promise<CmlLicensing>;
  /**
   * Registers and polls until COMPLETED or failure (bounded by `timeoutMs`);
   * without options the implementation's configured defaults apply.
   */
  registerLicense(
    endpoint: CmlEndpoint,
    token: string,
    options?: LicenseRegistrationOptions,
  ): Promise<CmlLicensing>;
  /** Throws a `CmlError` of kind "refused" while nodes run. */
  deregisterLicense(endpoint: CmlEndpoint): Promise<LicenseDeregistration>;
  labs(endpoint: CmlEndpoint): Promise<CmlLab[]>;
  stopLab(endpoint: CmlEndpoint, labId: string): Promise<void>;
  /** User-intent events, excluding the fleet's own service account, newest last. */
  activity(endpoint: CmlEndpoint, since: Date | null): Promise<CmlActivityEvent[]>;
  /** Drops any cached session for the worker (e.g. after a stop or terminate). */
  forget(workerId: string): void;
}
