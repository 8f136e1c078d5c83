import type { z } from "zod";
import type {
  CmlEndpoint,
  CmlSystemHealth,
  CmlSystemInformation,
  CmlSystemStats,
} from "../../ports/cml-client.port";
import { parseAnswer, statusError } from "./cml-errors";
import type { CmlTransport } from "./cml-http-transport";
import { systemHealthSchema, systemInformationSchema, systemStatsSchema } from "./cml-schemas";
import type { CmlSessions } from "./cml-session";

/** The readiness probe: needs no token, so it works before the service account can log in. */
export async function systemInformation(
  transport: CmlTransport,
  endpoint: CmlEndpoint,
): Promise<CmlSystemInformation> {
  const what = "GET /system_information";
  const response = await transport.send({
    baseUrl: endpoint.baseUrl,
    method: "GET",
    path: "/system_information",
  });
  if (response.status !== 200) {
    throw statusError(endpoint.baseUrl, what, response);
  }
  const answer = parseAnswer(systemInformationSchema, response.body, endpoint.baseUrl, what);
  return { version: answer.version, ready: answer.ready };
}

/** The checks CML reports per compute (docs/cml-api.md), each false when that part fails. */
const COMPUTE_CHECKS = [
  "kvm_vmx_enabled",
  "enough_cpus",
  "lld_connected",
  "lld_synced",
  "libvirt",
  "fabric",
  "device_mux",
  "refplat_images_available",
  "docker_shim",
] as const;

/** The controller's own services, as its `controller` block reports them. */
const CONTROLLER_CHECKS = ["core_connected", "nodes_loaded", "images_loaded"] as const;

function failedChecks(block: Readonly<Record<string, unknown>>, checks: readonly string[]): string[] {
  return checks.filter((check) => block[check] === false);
}

/**
 * Names what fails, for the worker's service status reason: each compute that
 * is not valid (by host name, with the checks it fails and its admission
 * state), and the controller's services that are down. The names of checks
 * are this module's constants; only the host name comes from CML, cleaned.
 */
function failingComponents(answer: z.infer<typeof systemHealthSchema>): string[] {
  const computes = Object.entries(answer.computes).flatMap(([id, compute]) => {
    const checks = failedChecks(compute, COMPUTE_CHECKS);
    if (compute.valid === true && checks.length === 0) {
      return [];
    }
    const name = compute.hostname === undefined || compute.hostname === "" ? id : compute.hostname;
    const role = compute.is_controller === true ? "controller compute" : "compute";
    const what = checks.length === 0 ? "not valid" : `failing ${checks.join(", ")}`;
    return [`${role} ${name}: ${what}`];
  });
  const controller = answer.controller ?? null;
  const controllerChecks = controller === null ? [] : failedChecks(controller, CONTROLLER_CHECKS);
  const controllerProblem =
    controllerChecks.length > 0
      ? [`controller: failing ${controllerChecks.join(", ")}`]
      : controller !== null && controller.valid === false
        ? ["controller: not valid"]
        : [];
  const none = Object.keys(answer.computes).length === 0 ? ["no compute is registered"] : [];
  return [...none, ...computes, ...controllerProblem];
}

export function toSystemHealth(answer: z.infer<typeof systemHealthSchema>): CmlSystemHealth {
  const computes = Object.values(answer.computes);
  return {
    valid: answer.valid === true,
    isLicensed: answer.is_licensed === true,
    // No compute at all means nothing can run: not valid.
    computesValid: computes.length > 0 && computes.every((compute) => compute.valid === true),
    failing: failingComponents(answer),
  };
}

export function toSystemStats(answer: z.infer<typeof systemStatsSchema>): CmlSystemStats {
  const computes = Object.values(answer.computes);
  const total = answer.all.memory?.total ?? null;
  const used = answer.all.memory?.used ?? null;
  return {
    cpuPercent: answer.all.cpu?.percent ?? null,
    memoryPercent: total !== null && used !== null && total > 0 ? (used / total) * 100 : null,
    runningNodes: computes.reduce((sum, compute) => sum + compute.stats.dominfo.running_nodes, 0),
    totalNodes: computes.reduce((sum, compute) => sum + (compute.stats.dominfo.total_nodes ?? 0), 0),
  };
}

export async function systemHealth(sessions: CmlSessions, endpoint: CmlEndpoint): Promise<CmlSystemHealth> {
  return toSystemHealth(await sessions.get(endpoint, "/system_health", systemHealthSchema));
}

export async function systemStats(sessions: CmlSessions, endpoint: CmlEndpoint): Promise<CmlSystemStats> {
  return toSystemStats(await sessions.get(endpoint, "/system_stats", systemStatsSchema));
}
