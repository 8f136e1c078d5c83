import { json, noContent } from "../../http/http-types";
import type { CmlController } from "../cml-controller";
import { type CmlHost, type CmlRoute, cmlError } from "./route-context";

const ENTERPRISE_NODE_LIMIT = 300;
const EVALUATION_NODE_LIMIT = 5;

function attempt(at: number | null, status: string | null) {
  const iso = at === null ? null : new Date(at).toISOString();
  return {
    succeeded: iso,
    attempted: iso,
    scheduled: null,
    status,
    failure: null,
    success: status === null ? null : "SUCCESS",
  };
}

export function authorizationStatus(controller: CmlController): "IN_COMPLIANCE" | "EVAL_MODE" {
  return controller.registration === "COMPLETED" ? "IN_COMPLIANCE" : "EVAL_MODE";
}

/** GET /licensing as CML 2.9 shapes it. */
export function licensingBody(controller: CmlController, now: number) {
  const registered = controller.registration === "COMPLETED";
  const registeredAt = controller.registeredAt;
  const oneYear = 365 * 24 * 60 * 60 * 1000;
  return {
    registration: {
      status: controller.registration,
      smart_account: registered ? "Simulated Smart Account" : null,
      virtual_account: registered ? "cml-fleet" : null,
      expires: registered && registeredAt !== null ? new Date(registeredAt + oneYear).toISOString() : null,
      register_time: attempt(registeredAt, registered ? "SUCCEEDED" : null),
      renew_time: attempt(null, null),
    },
    authorization: {
      status: authorizationStatus(controller),
      expires: new Date(now + (registered ? 90 : 30) * 24 * 60 * 60 * 1000).toISOString(),
      renew_time: attempt(null, null),
    },
    features: [
      {
        id: "regid.2019-10.com.cisco.CML_NODE_COUNT,1.0_0a6b2d3e-7d2f-4b7d-9f33-2d7d7b1e4c2a",
        name: "CML - Enterprise License",
        description: "Cisco Modeling Labs - Enterprise License with 20 nodes capacity",
        in_use: controller.runningNodes,
        status: registered ? "IN_USE" : "INIT",
        version: "1.0",
        min: 0,
        max: registered ? ENTERPRISE_NODE_LIMIT : EVALUATION_NODE_LIMIT,
      },
    ],
    product_license: { active: "CML_Enterprise", is_enterprise: true },
    transport: {
      ssms: "https://smartreceiver.cisco.com/licservice/license",
      proxy: { server: null, port: null },
    },
  };
}

export const licensing: CmlRoute = (_request, { controller, service }) =>
  json(200, licensingBody(controller, service.state.now()));

export const registerLicense: CmlRoute = (request, { controller, service }) => {
  controller.registerCalls++;
  if (controller.failRegistrations > 0) {
    controller.failRegistrations--;
    return cmlError(503, "Smart Licensing is not reachable right now; try again later.");
  }
  let token: unknown;
  try {
    token = (JSON.parse(request.body) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") {
    return cmlError(400, "A registration token is required.");
  }
  if (token.startsWith("bad")) {
    return cmlError(400, "The registration token is invalid: Smart Licensing rejected it.");
  }
  completeRegistrationLater(controller, service);
  return noContent();
};

/** Registration completes asynchronously, as with Cisco's licensing service. */
export function completeRegistrationLater(controller: CmlController, service: CmlHost): void {
  controller.registration = "IN_PROGRESS";
  controller.pendingRegistration?.cancel();
  controller.pendingRegistration = service.scheduler.after(
    service.settings.licenseRegistrationDelayMs,
    () => {
      controller.pendingRegistration = null;
      controller.registration = "COMPLETED";
      controller.registeredAt = service.state.now();
    },
  );
}

export const deregisterLicense: CmlRoute = (_request, { controller }) => {
  controller.deregisterCalls++;
  if (controller.runningNodes > 0) {
    return cmlError(400, "Cannot de-register when nodes are running");
  }
  controller.pendingRegistration?.cancel();
  controller.pendingRegistration = null;
  controller.registration = "NOT_REGISTERED";
  controller.registeredAt = null;
  return noContent();
};
