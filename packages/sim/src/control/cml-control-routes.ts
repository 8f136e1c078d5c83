import type { CmlService } from "../cml/cml-service";
import { authorizationStatus } from "../cml/routes/licensing-routes";
import { type HttpRequest, type HttpResponse, json } from "../http/http-types";
import type { SimInstance } from "../state/instance";
import { applyCmlPatch, parseCmlPatch } from "./cml-patch";
import { badRequest, type ControlRouteEntry, parseJsonText } from "./control-routes";

/** The CML state of one instance as `GET /_sim/instances/{id}/cml` shows it. */
export type SimCmlView = ReturnType<typeof cmlView>;

export function cmlView(service: CmlService, instance: SimInstance) {
  const controller = service.controller(instance);
  return {
    instanceId: instance.instanceId,
    ready: service.isReady(instance),
    readyOverride: controller.readyOverride,
    reachable: controller.reachable,
    healthy: controller.healthy,
    failingChecks: controller.failingChecks,
    listening: service.isListening(instance),
    runningNodes: controller.runningNodes,
    labs: [...controller.labs.values()].map(({ id, title, state, nodeCount }) => ({
      id,
      title,
      state,
      nodeCount,
    })),
    licenseStatus: controller.registration,
    authorizationStatus: authorizationStatus(controller),
    registerCalls: controller.registerCalls,
    failRegistrations: controller.failRegistrations,
    deregisterCalls: controller.deregisterCalls,
    stopLabCalls: controller.stopLabCalls,
    serviceUserId: controller.serviceUserId,
    eventCount: controller.events.length,
  };
}

export function cmlControlRoutes(service: CmlService): ControlRouteEntry[] {
  const withInstance =
    (run: (instance: SimInstance, body: unknown) => HttpResponse | Promise<HttpResponse>) =>
    (request: HttpRequest, match: RegExpExecArray) => {
      const instance = service.state.store.get(match[1] ?? "");
      if (!instance) {
        return json(404, { error: "no such instance" });
      }
      return run(instance, parseJsonText(request.body));
    };
  return [
    {
      method: "GET",
      pattern: /^\/_sim\/instances\/(i-[0-9a-f]+)\/cml$/,
      route: withInstance((instance) => json(200, cmlView(service, instance))),
    },
    {
      method: "PATCH",
      pattern: /^\/_sim\/instances\/(i-[0-9a-f]+)\/cml$/,
      route: withInstance(async (instance, body) => {
        const patch = parseCmlPatch(body);
        if (typeof patch === "string") {
          return badRequest(patch);
        }
        applyCmlPatch(service.controller(instance), patch, service.state.now());
        // Answer once the listener matches `reachable`, so a test can connect (or be refused) right away.
        await service.sync(instance);
        return json(200, cmlView(service, instance));
      }),
    },
    {
      method: "POST",
      pattern: /^\/_sim\/instances\/(i-[0-9a-f]+)\/cml\/expire-tokens$/,
      route: withInstance((instance) => {
        service.controller(instance).expireTokens();
        return json(200, cmlView(service, instance));
      }),
    },
  ];
}
