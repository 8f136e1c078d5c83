import type { Worker } from "./worker";

/**
 * The link to a worker's CML web UI, on CML_HTTPS_PORT (which may differ from
 * CML_API_PORT, the port the fleet itself calls). Only a running worker has
 * one: a stopped instance loses its public address. The port is left out when
 * it is HTTPS's own, so the link reads as people type it.
 */
export function cmlWebUrl(
  worker: Pick<Worker, "status" | "publicIp" | "privateIp">,
  httpsPort: number,
): string | null {
  const host = worker.publicIp ?? worker.privateIp;
  if (worker.status !== "RUNNING" || host === null) {
    return null;
  }
  return httpsPort === 443 ? `https://${host}/` : `https://${host}:${httpsPort}/`;
}
