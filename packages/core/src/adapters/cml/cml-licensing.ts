import type { LicenseStatus } from "../../domain/worker-status";
import { CmlError } from "../../errors";
import type {
  CmlEndpoint,
  CmlLicensing,
  LicenseDeregistration,
  LicenseRegistrationOptions,
} from "../../ports/cml-client.port";
import { cmlMessage } from "./cml-errors";
import { type LicensingAnswer, licensingSchema } from "./cml-schemas";
import { type CmlSessions, expectStatus } from "./cml-session";

/** The fleet's license status from CML's registration and authorization statuses. */
export function licenseStatusOf(registration: string, authorization: string): LicenseStatus {
  const reg = registration.toUpperCase();
  const auth = authorization.toUpperCase();
  if (reg === "IN_PROGRESS" || reg === "REGISTERING") {
    return "REGISTERING";
  }
  if (reg === "COMPLETED") {
    if (auth === "IN_COMPLIANCE") {
      return "REGISTERED";
    }
    if (auth.includes("EXPIRED")) {
      return "EXPIRED";
    }
    // Registered, authorization not renewed yet: still on its way to compliance.
    if (auth === "EVAL_MODE" || auth === "AUTHORIZATION_PENDING" || auth === "IN_PROGRESS") {
      return "REGISTERING";
    }
    return "INVALID";
  }
  if (reg.includes("EXPIRED") || auth.includes("EXPIRED")) {
    return "EXPIRED";
  }
  if (auth === "EVAL_MODE") {
    return "EVALUATION";
  }
  if (reg.includes("FAIL")) {
    return "INVALID";
  }
  if (reg === "NOT_REGISTERED" || reg === "UNREGISTERED" || reg === "DEREGISTERED") {
    return "UNREGISTERED";
  }
  return "UNKNOWN";
}

function expiryOf(value: LicensingAnswer["authorization"]["expires"]): Date | null {
  const candidate =
    typeof value === "string"
      ? value
      : value === null
        ? null
        : [value.scheduled, value.succeeded, value.success].find((entry) => typeof entry === "string");
  if (typeof candidate !== "string") {
    return null;
  }
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(candidate) ? candidate : `${candidate}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function sumOrNull(values: readonly (number | null | undefined)[]): number | null {
  const present = values.filter((value): value is number => typeof value === "number");
  return present.length === 0 ? null : present.reduce((sum, value) => sum + value, 0);
}

export function toLicensing(answer: LicensingAnswer): CmlLicensing {
  return {
    status: licenseStatusOf(answer.registration.status, answer.authorization.status),
    registrationStatus: answer.registration.status,
    authorizationStatus: answer.authorization.status,
    nodeLimit: sumOrNull(answer.features.map((feature) => feature.max)),
    nodesInUse: sumOrNull(answer.features.map((feature) => feature.in_use)),
    expires: expiryOf(answer.authorization.expires) ?? expiryOf(answer.registration.expires),
  };
}

export async function licensing(sessions: CmlSessions, endpoint: CmlEndpoint): Promise<CmlLicensing> {
  return toLicensing(await sessions.get(endpoint, "/licensing", licensingSchema));
}

function registrationFailure(answer: LicensingAnswer): string | null {
  if (answer.registration.status.toUpperCase().includes("FAIL")) {
    return answer.registration.status;
  }
  const attemptStatus = answer.registration.register_time?.status ?? null;
  if (attemptStatus?.toUpperCase().includes("FAIL") === true) {
    return cmlMessage(answer.registration.register_time?.failure) ?? attemptStatus;
  }
  return null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Registers with a Smart Licensing token, then polls GET /licensing until the
 * registration completes, fails, or `timeoutMs` passes. A 400 is a bad token.
 */
export async function registerLicense(
  sessions: CmlSessions,
  endpoint: CmlEndpoint,
  token: string,
  options: LicenseRegistrationOptions,
): Promise<CmlLicensing> {
  const what = "POST /licensing/registration";
  const response = await sessions.call(endpoint, {
    method: "POST",
    path: "/licensing/registration",
    json: { token, reregister: false },
  });
  expectStatus(endpoint, what, response, [200, 201, 202, 204], { 400: "bad-token" });

  const deadline = Date.now() + options.timeoutMs;
  let sawProgress = false;
  for (;;) {
    const answer = await sessions.get(endpoint, "/licensing", licensingSchema);
    const reg = answer.registration.status.toUpperCase();
    if (reg === "COMPLETED") {
      return toLicensing(answer);
    }
    const failure = registrationFailure(answer);
    // NOT_REGISTERED before the attempt shows up is just lag; after IN_PROGRESS it means the attempt failed.
    if (failure !== null || (sawProgress && reg === "NOT_REGISTERED")) {
      throw new CmlError("refused", endpoint.baseUrl, `license registration failed: ${failure ?? reg}`);
    }
    sawProgress ||= reg === "IN_PROGRESS";
    if (Date.now() + options.pollIntervalMs > deadline) {
      throw new CmlError(
        "timeout",
        endpoint.baseUrl,
        `license registration still ${answer.registration.status} after ${options.timeoutMs} ms`,
      );
    }
    await sleep(options.pollIntervalMs);
  }
}

/**
 * 204: deregistered; 202: deregistered locally only (Cisco did not answer).
 * CML refuses while nodes run; that refusal comes back as kind "refused" with CML's words.
 */
export async function deregisterLicense(
  sessions: CmlSessions,
  endpoint: CmlEndpoint,
): Promise<LicenseDeregistration> {
  const response = await sessions.call(endpoint, { method: "DELETE", path: "/licensing/deregistration" });
  if (response.status === 202) {
    return { localOnly: true };
  }
  expectStatus(endpoint, "DELETE /licensing/deregistration", response, [200, 204], { 500: "refused" });
  return { localOnly: false };
}
