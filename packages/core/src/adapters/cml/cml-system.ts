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

export function toSystemHealth(answer: z.infer<typeof systemHealthSchema>): CmlSystemHealth {
  const computes = Object.values(answer.computes);
  return {
    valid: answer.valid === true,
    isLicensed: answer.is_licensed === true,
    // No compute at all means nothing can run: not valid.
    computesValid: computes.length > 0 && computes.every((compute) => compute.valid === true),
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
