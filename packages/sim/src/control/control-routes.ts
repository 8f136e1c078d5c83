import { mergeFaults } from "../faults";
import { type HttpRequest, type HttpResponse, json, noContent } from "../http/http-types";
import { accountState } from "../state/account-scope";
import { launchInstances } from "../state/launch";
import type { SimState } from "../state/sim-state";
import { instanceView } from "./instance-view";
import { parseLaunchRequest } from "./launch-request";

export type ControlRoute = (
  request: HttpRequest,
  match: RegExpExecArray,
) => HttpResponse | Promise<HttpResponse>;

export interface ControlRouteEntry {
  readonly method: string;
  readonly pattern: RegExp;
  readonly route: ControlRoute;
}

/** Dispatches to the first entry whose method and pattern match; 404/405 otherwise. */
export function dispatchControl(
  entries: readonly ControlRouteEntry[],
  request: HttpRequest,
): HttpResponse | Promise<HttpResponse> {
  let pathMatched = false;
  for (const entry of entries) {
    const match = entry.pattern.exec(request.path);
    if (!match) {
      continue;
    }
    pathMatched = true;
    if (entry.method === request.method) {
      return entry.route(request, match);
    }
  }
  return pathMatched ? json(405, { error: "method not allowed" }) : json(404, { error: "no such route" });
}

/** A JSON body; empty means `{}`, malformed means `undefined` (which every parser rejects). */
export function parseJsonText(text: string): unknown {
  if (text.trim() === "") {
    return {};
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function badRequest(message: string): HttpResponse {
  return json(400, { error: message });
}

/** `/_sim` routes over the EC2 side of the state: instances, faults, stats. */
export function instanceControlRoutes(state: SimState): ControlRouteEntry[] {
  return [
    {
      method: "GET",
      pattern: /^\/_sim\/instances$/,
      route: () => json(200, state.store.all().map(instanceView)),
    },
    {
      method: "POST",
      pattern: /^\/_sim\/instances$/,
      route: (request) => {
        const parsed = parseLaunchRequest(parseJsonText(request.body));
        if (typeof parsed === "string") {
          return badRequest(parsed);
        }
        const owner = accountState(state, parsed.accountId ?? state.accountId);
        const launched = launchInstances(owner, parsed.spec, parsed.count ?? 1).map(instanceView);
        return json(201, parsed.count === null ? launched[0] : launched);
      },
    },
    {
      method: "GET",
      pattern: /^\/_sim\/instances\/(i-[0-9a-f]+)$/,
      route: (_request, match) => {
        const instance = state.store.get(match[1] ?? "");
        return instance ? json(200, instanceView(instance)) : json(404, { error: "no such instance" });
      },
    },
    {
      method: "POST",
      pattern: /^\/_sim\/instances\/(i-[0-9a-f]+)\/terminate$/,
      route: (_request, match) => {
        const instance = state.store.get(match[1] ?? "");
        if (!instance) {
          return json(404, { error: "no such instance" });
        }
        state.lifecycle.terminate(instance);
        return json(200, instanceView(instance));
      },
    },
    {
      method: "GET",
      pattern: /^\/_sim\/faults$/,
      route: () => json(200, state.faults),
    },
    {
      method: "PUT",
      pattern: /^\/_sim\/faults$/,
      route: (request) => {
        const merged = mergeFaults(state.faults, parseJsonText(request.body));
        if (typeof merged === "string") {
          return badRequest(merged);
        }
        state.faults = merged;
        return json(200, merged);
      },
    },
    {
      method: "GET",
      pattern: /^\/_sim\/stats$/,
      route: () => json(200, state.stats.snapshot()),
    },
    {
      method: "DELETE",
      pattern: /^\/_sim\/stats$/,
      route: () => {
        state.stats.reset();
        return noContent();
      },
    },
  ];
}
