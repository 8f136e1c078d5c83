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
 * The resident memory one idle kept-alive TLS connection holds: about 100 KB
 * on Node 24 (93 to 107 KB a connection over 1,000 kept to one server, TLS 1.3
 * or 1.2, with or without a session cache), nearly all of it OpenSSL's and the
 * socket's native state: the JS heap holds 8 KB of it.
 */
export const CML_IDLE_CONNECTION_BYTES = 100 * 1024;
/**
 * What a job process spends at most on idle CML connections. Its whole budget
 * is 300 MB whatever the fleet (issue 14); the process itself peaks at about
 * 260 MB (its modules loading) and settles near 250 MB with a sweep's working
 * set, so 32 MB is what the connections may take.
 */
export const CML_IDLE_CONNECTIONS_BUDGET_BYTES = 32 * 1024 * 1024;
/**
 * 327 idle connections over all workers, from the budget. A connection kept
 * saves its worker's next look a handshake (about 2.5 ms of CPU); every
 * connection of a fleet kept would cost 200 MB at 1,000 workers (two each) and
 * 2 GB at 10,000, so past the bound a freed connection is closed and the
 * next sweep connects again: CPU the fleet's size asks for, not memory.
 */
export const DEFAULT_CML_MAX_IDLE_CONNECTIONS = Math.floor(
  CML_IDLE_CONNECTIONS_BUDGET_BYTES / CML_IDLE_CONNECTION_BYTES,
);
/** The default telemetry period (60 s) and half a minute to spare. */
export const DEFAULT_CML_IDLE_CONNECTION_TIMEOUT_MS = 90_000;
