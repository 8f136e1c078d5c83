import type { Actor } from "../domain/actor";
import type { LicenseState, Worker } from "../domain/worker";
import { applyLicense } from "../domain/worker-changes-observed";
import type { LicenseStatus } from "../domain/worker-status";
import { CmlError, ConflictError } from "../errors";
import type { CmlClient, CmlLicensing, LicenseRegistrationOptions } from "../ports/cml-client.port";
import { endpointOf, unconfirmedReason } from "./instance-readiness";
import { currentJobDeadline, type PollDeps } from "./poll";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface LicenseDeps extends WorkerWriterDeps, PollDeps {
  readonly cml: CmlClient;
  readonly licenseRegistration: LicenseRegistrationOptions;
}

export function licenseFromCml(licensing: CmlLicensing, at: Date): LicenseState {
  return {
    status: licensing.status,
    nodeLimit: licensing.nodeLimit,
    nodesInUse: licensing.nodesInUse,
    checkedAt: at,
  };
}

function licenseStatusChange(
  deps: LicenseDeps,
  workerId: string,
  status: LicenseStatus,
  actor: Actor,
  reason: string | null = null,
): Promise<Worker> {
  return updateWorker(deps, workerId, (current, now) =>
    current.license.status === status
      ? null
      : applyLicense(current, { ...current.license, status, checkedAt: now }, actor, now, reason),
  );
}

/**
 * Registers `token` on the worker's CML and waits (bounded) for Cisco to
 * complete it. A token CML refuses leaves the license INVALID with the
 * reason, and the error is rethrown for the caller to judge.
 */
export async function registerWorkerLicense(
  deps: LicenseDeps,
  worker: Worker,
  token: string,
  actor: Actor,
): Promise<Worker> {
  const endpoint = endpointOf(worker);
  if (endpoint === null || worker.status !== "RUNNING") {
    throw new ConflictError(
      unconfirmedReason(worker) ?? `cannot register a license on ${worker.name}: it is ${worker.status}`,
    );
  }
  await licenseStatusChange(deps, worker.id, "REGISTERING", actor);
  try {
    const licensing = await deps.cml.registerLicense(
      endpoint,
      token,
      withinJobBound(deps.licenseRegistration),
    );
    return await updateWorker(deps, worker.id, (current, now) =>
      applyLicense(current, licenseFromCml(licensing, now), actor, now),
    );
  } catch (error) {
    if (error instanceof CmlError && (error.kind === "bad-token" || error.kind === "refused")) {
      await licenseStatusChange(deps, worker.id, "INVALID", actor, error.message);
    } else {
      // Unknown outcome (CML unreachable mid-registration): say so rather than guess.
      await licenseStatusChange(
        deps,
        worker.id,
        "UNKNOWN",
        actor,
        error instanceof Error ? error.message : null,
      );
    }
    throw error;
  }
}

/** Reads the worker's license from CML and records it (no event unless its status moved). */
export async function readWorkerLicense(deps: LicenseDeps, worker: Worker, actor: Actor): Promise<Worker> {
  const endpoint = endpointOf(worker);
  if (endpoint === null) {
    return worker;
  }
  const licensing = await deps.cml.licensing(endpoint);
  return updateWorker(deps, worker.id, (current, now) =>
    applyLicense(current, licenseFromCml(licensing, now), actor, now),
  );
}

/**
 * The registration's own polling (inside the CML client) ends no later than
 * the job it runs in (CML_PROVISIONING_TIMEOUT, CML_JOB_TIMEOUT), so a job
 * past its bound does not keep asking CML; at least one poll stays allowed.
 */
function withinJobBound(options: LicenseRegistrationOptions): LicenseRegistrationOptions {
  const job = currentJobDeadline();
  if (job === null) {
    return options;
  }
  const remaining = Math.max(1, job.deadline.getTime() - Date.now());
  return remaining < options.timeoutMs ? { ...options, timeoutMs: remaining } : options;
}
