import type { CallObserver } from "../../ports/call-observer.port";
import type { CmlCertificatePins } from "../../ports/cml-client.port";
import type { Logger } from "../../ports/logger.port";

export interface CmlTlsOptions {
  /** Verify the CML certificate. Off applies to the CML hosts only (a dedicated agent). */
  readonly verify: boolean;
  /** PEM bundle of the CAs that sign the workers' certificates (CML's are self-signed by default). */
  readonly caBundle?: string | undefined;
}

export interface CmlClientOptions {
  /** The fleet's service account on every worker. */
  readonly username: string;
  readonly password: string;
  readonly tls: CmlTlsOptions;
  /**
   * Where each worker's certificate is pinned on first contact (the worker
   * repository). Without it, an endpoint with no pin is contacted unpinned;
   * an endpoint's pin is enforced either way.
   */
  readonly certificatePins?: CmlCertificatePins | undefined;
  readonly requestTimeoutMs?: number | undefined;
  /** Used by `registerLicense` when the caller passes no options. */
  readonly registrationPollIntervalMs?: number | undefined;
  readonly registrationTimeoutMs?: number | undefined;
  /** How many lab details are fetched at once per worker. */
  readonly labConcurrency?: number | undefined;
  readonly logger: Logger;
  /** Told about every request to a CML controller (metrics, traces). */
  readonly observer?: CallObserver | undefined;
}

export const DEFAULT_CML_REQUEST_TIMEOUT_MS = 15_000;
export const DEFAULT_REGISTRATION_POLL_INTERVAL_MS = 5_000;
export const DEFAULT_REGISTRATION_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_LAB_CONCURRENCY = 8;
