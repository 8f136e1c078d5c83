import type { CmlClient } from "@cml-fleet/core/ports/cml-client.port";

/**
 * A CmlClient that waits `latencyMs` before every call, standing in for the
 * network distance to real workers (the simulator's CML answers at loopback
 * speed and its latency fault applies to AWS only).
 */
export function withCmlLatency(client: CmlClient, latencyMs: number): CmlClient {
  if (latencyMs <= 0) {
    return client;
  }
  const later = async <T>(call: () => Promise<T>): Promise<T> => {
    await new Promise<void>((resolve) => setTimeout(resolve, latencyMs));
    return call();
  };
  return {
    systemInformation: (endpoint) => later(() => client.systemInformation(endpoint)),
    systemHealth: (endpoint) => later(() => client.systemHealth(endpoint)),
    systemStats: (endpoint) => later(() => client.systemStats(endpoint)),
    licensing: (endpoint) => later(() => client.licensing(endpoint)),
    registerLicense: (endpoint, token, options) =>
      later(() => client.registerLicense(endpoint, token, options)),
    deregisterLicense: (endpoint) => later(() => client.deregisterLicense(endpoint)),
    labs: (endpoint) => later(() => client.labs(endpoint)),
    stopLab: (endpoint, labId) => later(() => client.stopLab(endpoint, labId)),
    activity: (endpoint, since) => later(() => client.activity(endpoint, since)),
    forget: (workerId) => client.forget(workerId),
  };
}
