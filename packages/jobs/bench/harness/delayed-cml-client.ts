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
  const delay = () => new Promise<void>((resolve) => setTimeout(resolve, latencyMs));
  return {
    systemInformation: async (endpoint) => (await delay(), client.systemInformation(endpoint)),
    systemHealth: async (endpoint) => (await delay(), client.systemHealth(endpoint)),
    systemStats: async (endpoint) => (await delay(), client.systemStats(endpoint)),
    licensing: async (endpoint) => (await delay(), client.licensing(endpoint)),
    registerLicense: async (endpoint, token, options) => (
      await delay(), client.registerLicense(endpoint, token, options)
    ),
    deregisterLicense: async (endpoint) => (await delay(), client.deregisterLicense(endpoint)),
    labs: async (endpoint) => (await delay(), client.labs(endpoint)),
    stopLab: async (endpoint, labId) => (await delay(), client.stopLab(endpoint, labId)),
    activity: async (endpoint, since) => (await delay(), client.activity(endpoint, since)),
    forget: (workerId) => client.forget(workerId),
  };
}
