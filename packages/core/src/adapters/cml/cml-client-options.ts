import type { CallObserver } from "../../ports/call-observer.port";
import type { CmlCertificatePins } from "../../ports/cml-client.port";
import type { CmlSessionStore } from "../../ports/cml-session-store.port";
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
  /** Shares sign-ins with the other job processes (none: each process logs in on its own). */
  readonly sessionStore?: CmlSessionStore | undefined;
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
 * One: a worker's questions go one after another over one kept-alive
 * connection. That costs a sweep nothing (the process's bound on requests in
 * flight, not one worker's, sets its pace: other workers fill the slots), and
 * a fleet needs half the handshakes (about 2.5 ms of CPU each) and half the
 * memory of the connections kept, against two: a 1,000-worker sweep on one
 * process took 4.9 s and 4.5 s of CPU with two connections a worker and 327
 * kept, 3.6 s and 3.1 s with one and 1,000 kept, at the same peak memory
 * (`pnpm bench --quick --only sweep`).
 */
export const DEFAULT_CML_CONNECTIONS_PER_WORKER = 1;
/**
 * The resident memory one idle kept-alive TLS connection holds: about 100 KB
 * on Node 24 (93 to 107 KB a connection over 1,000 kept to one server, TLS 1.3
 * or 1.2, with or without a session cache), nearly all of it OpenSSL's and the
 * socket's native state: the JS heap holds 8 KB of it.
 */
export const CML_IDLE_CONNECTION_BYTES = 100 * 1024;
/**
 * What a job process spends at most on idle CML connections: 100 MB, every
 * connection of a 1,000-worker fleet. Fewer kept do not lower the process's
 * peak as much as they cost: a connection closed and made again next sweep
 * leaves about 25 KB of native memory behind it as well as a handshake, and
 * with 327 kept a 1,000-worker sweep peaked as high (408 MB against 411 MB)
 * for 1.4 s more CPU.
 */
export const CML_IDLE_CONNECTIONS_BUDGET_BYTES = 100 * 1024 * 1024;
/**
 * 1,024 idle connections over all workers, from the budget, as a stable set
 * (cml-connection-pool.ts). A connection kept saves its worker's next look a
 * handshake; past the bound (a fleet of more than 1,024 workers on one
 * process) the other workers' looks connect again: CPU the fleet's size asks
 * for, not memory (every connection of 10,000 workers kept would be 1 GB).
 */
export const DEFAULT_CML_MAX_IDLE_CONNECTIONS = Math.floor(
  CML_IDLE_CONNECTIONS_BUDGET_BYTES / CML_IDLE_CONNECTION_BYTES,
);
/**
 * TLS sessions kept to resume (one per worker and pin, about 1 KB each with
 * what is kept beside it): 20,000, at most 20 MB. A worker whose connection
 * was not kept resumes its session next sweep, an abbreviated handshake, as
 * long as its session is among the 20,000 most recent.
 */
export const DEFAULT_CML_TLS_SESSIONS = 20_000;
/** The default telemetry period (60 s) and half a minute to spare. */
export const DEFAULT_CML_IDLE_CONNECTION_TIMEOUT_MS = 90_000;
