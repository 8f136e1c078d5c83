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
  /** Most requests in flight at once to all workers together (CML_REQUEST_CONCURRENCY). */
  readonly requestsInFlight?: number | undefined;
  /** Most requests in flight, and connections kept, per worker. */
  readonly connectionsPerWorker?: number | undefined;
  /** How long an unused connection to a worker is kept: a little longer than the telemetry sweep's period. */
  readonly idleConnectionTimeoutMs?: number | undefined;
  /** Most unused connections kept over all workers together. */
  readonly maxIdleConnections?: number | undefined;
  readonly logger: Logger;
  /** Told about every request to a CML controller (metrics, traces). */
  readonly observer?: CallObserver | undefined;
}

export const DEFAULT_CML_REQUEST_TIMEOUT_MS = 15_000;
export const DEFAULT_REGISTRATION_POLL_INTERVAL_MS = 5_000;
export const DEFAULT_REGISTRATION_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_LAB_CONCURRENCY = 8;
/**
 * The process's bound on CML requests in flight. A request mostly waits on
 * its worker's answer, so the bound sets a sweep's pace: six questions a
 * worker at 50 ms each, 128 in flight would take 23 s for 10,000 workers
 * however fast the CPU; 256 take 12 s.
 */
export const DEFAULT_CML_REQUESTS_IN_FLIGHT = 256;
/**
 * Two: a look asks six questions and then one per lab, so two connections
 * answer it in three or four round trips. That costs a sweep nothing (the
 * process's bound, not one worker's, sets its pace: other workers fill the
 * slots) and halves both the first sweep's handshakes (about 2.5 ms of CPU
 * each) and the memory of the connections kept, against the eight before.
 */
export const DEFAULT_CML_CONNECTIONS_PER_WORKER = 2;
/**
 * About 150 MB of idle TLS connections (75 KB each, measured): every
 * connection of a 1,000-worker sweep is kept; in a larger fleet the workers
 * past it connect again each sweep rather than grow the process.
 */
export const DEFAULT_CML_MAX_IDLE_CONNECTIONS = 2_048;
/** The default telemetry period (60 s) and half a minute to spare. */
export const DEFAULT_CML_IDLE_CONNECTION_TIMEOUT_MS = 90_000;
