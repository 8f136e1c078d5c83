import type { HttpRequest, HttpResponse } from "../http/http-types";
import { authExtended, authenticate } from "./routes/auth-routes";
import { labDetail, labIds, startLab, stopLab } from "./routes/lab-routes";
import { deregisterLicense, licensing, registerLicense } from "./routes/licensing-routes";
import { type CmlRequestContext, type CmlRoute, cmlError } from "./routes/route-context";
import { systemHealth, systemInformation, systemStats } from "./routes/system-routes";
import { telemetryEvents } from "./routes/telemetry-routes";

interface RouteEntry {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  /** Needs a bearer token (and then records the service account's activity). */
  readonly auth: boolean;
  /** Answers while the controller is still booting. */
  readonly beforeReady: boolean;
  readonly route: CmlRoute;
}

function entry(
  method: string,
  template: string,
  route: CmlRoute,
  flags: { auth?: boolean; beforeReady?: boolean } = {},
): RouteEntry {
  const paramNames: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    paramNames.push(name);
    return "([^/]+)";
  });
  return {
    method,
    template,
    pattern: new RegExp(`^${source}$`),
    paramNames,
    auth: flags.auth ?? true,
    beforeReady: flags.beforeReady ?? false,
    route,
  };
}

const ROUTES: readonly RouteEntry[] = [
  entry("POST", "/api/v0/authenticate", authenticate, { auth: false }),
  entry("POST", "/api/v0/auth_extended", authExtended, { auth: false }),
  entry("GET", "/api/v0/system_information", systemInformation, { auth: false, beforeReady: true }),
  entry("GET", "/api/v0/system_health", systemHealth),
  entry("GET", "/api/v0/system_stats", systemStats),
  entry("GET", "/api/v0/licensing", licensing),
  entry("POST", "/api/v0/licensing/registration", registerLicense),
  entry("DELETE", "/api/v0/licensing/deregistration", deregisterLicense),
  entry("GET", "/api/v0/labs", labIds),
  entry("GET", "/api/v0/labs/{id}", labDetail),
  entry("PUT", "/api/v0/labs/{id}/start", startLab),
  entry("PUT", "/api/v0/labs/{id}/stop", stopLab),
  entry("GET", "/api/v0/telemetry/events", telemetryEvents),
];

/** Routes one request to a simulated controller, counting it as "METHOD /api/v0/template". */
export function handleCmlRequest(request: HttpRequest, context: CmlRequestContext): HttpResponse {
  const { service, controller, instance } = context;
  for (const candidate of ROUTES) {
    const match = candidate.pattern.exec(request.path);
    if (!match || candidate.method !== request.method) {
      continue;
    }
    service.state.stats.count("cml", `${candidate.method} ${candidate.template}`);
    if (!candidate.beforeReady && !service.isReady(instance)) {
      return cmlError(503, "The controller is starting; try again when system_information reports ready.");
    }
    if (candidate.auth) {
      const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1];
      if (token === undefined) {
        return cmlError(401, "No authorization token provided.");
      }
      const status = controller.tokenStatus(token, service.state.now());
      if (status !== "valid") {
        return cmlError(401, status === "expired" ? "Token expired." : "Invalid token.");
      }
      // Real CML records every call of a signed-in user, the fleet's own service account included.
      controller.appendEvent("user_activity", controller.serviceUserId, service.state.now());
    }
    const params = Object.fromEntries(
      candidate.paramNames.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")]),
    );
    return candidate.route(request, context, params);
  }
  service.state.stats.count("cml", `${request.method} (unknown route)`);
  return cmlError(404, `No route for ${request.method} ${request.path}`);
}
