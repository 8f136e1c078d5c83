import type { CmlClient, CmlEndpoint } from "../../ports/cml-client.port";
import { activity } from "./cml-activity";
import { observeCmlTransport } from "./cml-call-observer";
import { certificateExpectation } from "./cml-certificate-pinning";
import {
  type CmlClientOptions,
  DEFAULT_CML_CONNECTIONS_PER_WORKER,
  DEFAULT_CML_IDLE_CONNECTION_TIMEOUT_MS,
  DEFAULT_CML_MAX_IDLE_CONNECTIONS,
  DEFAULT_CML_REQUEST_TIMEOUT_MS,
  DEFAULT_CML_REQUESTS_IN_FLIGHT,
  DEFAULT_LAB_CONCURRENCY,
  DEFAULT_REGISTRATION_POLL_INTERVAL_MS,
  DEFAULT_REGISTRATION_TIMEOUT_MS,
} from "./cml-client-options";
import { type CmlTransport, createCmlTransport } from "./cml-http-transport";
import { labs, stopLab } from "./cml-labs";
import { deregisterLicense, licensing, registerLicense } from "./cml-licensing";
import { type CmlRequestLoad, type LimitedCmlTransport, limitCmlRequests } from "./cml-request-limit";
import { createCmlSessions } from "./cml-session";
import { systemHealth, systemInformation, systemStats } from "./cml-system";

/** How many CML requests of one worker are in flight at most, by default (a sweep sizes its looks by it). */
export { DEFAULT_CML_CONNECTIONS_PER_WORKER } from "./cml-client-options";

export interface HttpCmlClient extends CmlClient {
  /** The requests in flight and waiting now (all workers together). */
  load(): CmlRequestLoad;
  /** Closes the keep-alive connections to every worker. */
  close(): void;
}

/** The transport with every request held to the endpoint's certificate pin (for calls made without a session). */
function pinnedTo(transport: CmlTransport, endpoint: CmlEndpoint): CmlTransport {
  return {
    send: (request) =>
      transport.send({ ...request, certificate: certificateExpectation(endpoint), signal: endpoint.signal }),
    destroy: () => transport.destroy(),
  };
}

/**
 * The CmlClient over HTTPS: one keep-alive agent for all workers, one
 * session per worker, one bound on the requests in flight. Make one per
 * process and keep it: its connections and sign-ins serve sweep after sweep.
 */
export function createCmlClient(options: CmlClientOptions): HttpCmlClient {
  const logger = options.logger.child({ component: "cml-client" });
  const connectionsPerWorker = options.connectionsPerWorker ?? DEFAULT_CML_CONNECTIONS_PER_WORKER;
  // The limiter wraps the transport, and the transport asks it whether a freed connection's worker still waits.
  let limited: LimitedCmlTransport | undefined;
  const http = createCmlTransport({
    tls: options.tls,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_CML_REQUEST_TIMEOUT_MS,
    pins: options.certificatePins,
    connectionsPerWorker,
    idleTimeoutMs: options.idleConnectionTimeoutMs ?? DEFAULT_CML_IDLE_CONNECTION_TIMEOUT_MS,
    maxIdleConnections: options.maxIdleConnections ?? DEFAULT_CML_MAX_IDLE_CONNECTIONS,
    waitingFor: (baseUrl) => limited?.waitingFor(baseUrl) ?? false,
  });
  const observed = options.observer === undefined ? http : observeCmlTransport(http, options.observer);
  // Outermost, so the observer times the call itself and the request timeout starts once it is sent, not queued.
  const transport = limitCmlRequests(observed, {
    inFlight: options.requestsInFlight ?? DEFAULT_CML_REQUESTS_IN_FLIGHT,
    perWorker: connectionsPerWorker,
  });
  limited = transport;
  const sessions = createCmlSessions({
    transport,
    username: options.username,
    password: options.password,
    logger,
    store: options.sessionStore,
  });
  const registrationDefaults = {
    pollIntervalMs: options.registrationPollIntervalMs ?? DEFAULT_REGISTRATION_POLL_INTERVAL_MS,
    timeoutMs: options.registrationTimeoutMs ?? DEFAULT_REGISTRATION_TIMEOUT_MS,
  };
  const labConcurrency = options.labConcurrency ?? DEFAULT_LAB_CONCURRENCY;

  return {
    systemInformation: (endpoint) => systemInformation(pinnedTo(transport, endpoint), endpoint),
    systemHealth: (endpoint) => systemHealth(sessions, endpoint),
    systemStats: (endpoint) => systemStats(sessions, endpoint),
    licensing: (endpoint) => licensing(sessions, endpoint),
    async registerLicense(endpoint, token, registration) {
      const result = await registerLicense(sessions, endpoint, token, registration ?? registrationDefaults);
      logger.info({ workerId: endpoint.workerId, status: result.status }, "CML license registered");
      return result;
    },
    async deregisterLicense(endpoint) {
      const result = await deregisterLicense(sessions, endpoint);
      logger.info({ workerId: endpoint.workerId, localOnly: result.localOnly }, "CML license deregistered");
      return result;
    },
    labs: (endpoint) => labs(sessions, endpoint, labConcurrency),
    stopLab: (endpoint, labId) => stopLab(sessions, endpoint, labId),
    activity: (endpoint, since) => activity(sessions, endpoint, since),
    forget: (workerId) => sessions.forget(workerId),
    load: () => transport.load(),
    close: () => transport.destroy(),
  };
}
