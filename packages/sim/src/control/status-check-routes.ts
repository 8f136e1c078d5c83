import {
  type CheckStatus,
  isCheckStatus,
  overrideStatusChecks,
  statusCheckOverride,
} from "../ec2/status-check-overrides";
import { json } from "../http/http-types";
import type { SimState } from "../state/sim-state";
import { badRequest, type ControlRouteEntry, parseJsonText } from "./control-routes";
import { instanceView } from "./instance-view";

type CheckPatch = { system?: CheckStatus | null; instance?: CheckStatus | null };

const ALLOWED =
  "ok, impaired, insufficient-data, not-applicable, initializing (or null for the boot default)";

/** `{ statusChecks: { system?, instance? } }`; a message saying what is wrong otherwise. */
export function parseInstancePatch(body: unknown): CheckPatch | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "the body must be a JSON object";
  }
  const unknownKeys = Object.keys(body).filter((key) => key !== "statusChecks");
  if (unknownKeys.length > 0) {
    return `unknown field(s): ${unknownKeys.join(", ")} (known: statusChecks)`;
  }
  const checks: unknown = (body as { statusChecks?: unknown }).statusChecks;
  if (typeof checks !== "object" || checks === null || Array.isArray(checks)) {
    return "statusChecks must be an object with system and/or instance";
  }
  const patch: CheckPatch = {};
  for (const [key, value] of Object.entries(checks)) {
    if (key !== "system" && key !== "instance") {
      return `statusChecks.${key} is not a status check (system or instance)`;
    }
    if (value !== null && !isCheckStatus(value)) {
      return `statusChecks.${key} must be one of ${ALLOWED}`;
    }
    patch[key] = value;
  }
  return patch;
}

/**
 * `PATCH /_sim/instances/{id}`: what EC2 itself says about an instance, here
 * its status checks (`{ "statusChecks": { "system": "impaired" } }`); a reboot
 * clears what was forced. Answers with the instance and its forced checks.
 */
export function statusCheckControlRoutes(state: SimState): ControlRouteEntry[] {
  return [
    {
      method: "PATCH",
      pattern: /^\/_sim\/instances\/(i-[0-9a-f]+)$/,
      route: (request, match) => {
        const instance = state.store.get(match[1] ?? "");
        if (!instance) {
          return json(404, { error: "no such instance" });
        }
        const patch = parseInstancePatch(parseJsonText(request.body));
        if (typeof patch === "string") {
          return badRequest(patch);
        }
        overrideStatusChecks(instance, patch);
        return json(200, { ...instanceView(instance), statusChecks: statusCheckOverride(instance) });
      },
    },
  ];
}
