import type { CmlClient, CmlEndpoint } from "../../ports/cml-client.port";
import { activity } from "./cml-activity";
import { observeCmlTransport } from "./cml-call-observer";
import { certificateExpectation } from "./cml-certificate-pinning";
import {
  type CmlClientOptions,
  DEFAULT_CML_REQUEST_TIMEOUT_MS,
  DEFAULT_LAB_CONCURRENCY,
  DEFAULT_REGISTRATION_POLL_INTERVAL_MS,
  DEFAULT_REGISTRATION_TIMEOUT_MS,
} from "./cml-client-options";
import { type CmlTransport, createCmlTransport } from "./cml-http-transport";
import { labs, stopLab } from "./cml-labs";
import { deregisterLicense, licensing, registerLicense } from "./cml-licensing";
import { createCmlSessions } from "./cml-session";
import { systemHealth, systemInformation, systemStats } from "./cml-system";

export interface HttpCmlClient extends CmlClient {
  /** Closes the keep-alive connections to every worker. */
  close(): void;
}

/** The transport with every request held to the endpoint's certificate pin (for calls made without a session). */
function pinnedTo(transport: CmlTransport, endpoint: CmlEndpoint): CmlTransport {
  return {
    send: (request) => transport.send({ ...request, certificate: certificateExpectation(endpoint) }),
    destroy: () => transport.destroy(),
  };
}

/** The CmlClient over HTTPS: one keep-alive agent for all workers, one session per worker. */
export function createCmlClient(options: CmlClientOptions): HttpCmlClient {
  const logger = options.logger.child({ component: "cml-client" });
  const http = createCmlTransport({
    tls: options.tls,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_CML_REQUEST_TIMEOUT_MS,
    pins: options.certificatePins,
  });
  const transport = options.observer === undefined ? http : observeCmlTransport(http, options.observer);
  const sessions = createCmlSessions({
    transport,
    username: options.username,
    password: options.password,
    logger,
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
    close: () => transport.destroy(),
  };
}
