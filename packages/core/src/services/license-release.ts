import type { Actor } from "../domain/actor";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { applyLicense } from "../domain/worker-changes-observed";
import type { LicenseStatus } from "../domain/worker-status";
import { CmlError, ConflictError } from "../errors";
import type { LicenseDeregistration } from "../ports/cml-client.port";
import { endpointOf, unconfirmedReason } from "./instance-readiness";
import type { LicenseDeps } from "./license-registration";
import { isRetryable } from "./poll";
import { updateWorker } from "./worker-writer";

/** License states in which a Smart Account seat may be held by the worker. */
const MAY_HOLD_A_SEAT: readonly LicenseStatus[] = ["REGISTERED", "REGISTERING", "DEREGISTERING", "UNKNOWN"];

/** How many times deregistration is tried again after the labs were stopped (nodes take a moment). */
const DEREGISTER_AFTER_STOP_ATTEMPTS = 10;

async function stopStartedLabs(deps: LicenseDeps, worker: Worker): Promise<number> {
  const endpoint = endpointOf(worker);
  if (endpoint === null) {
    return 0;
  }
  const labs = await deps.cml.labs(endpoint);
  const started = labs.filter((lab) => lab.state !== "STOPPED" && lab.state !== "DEFINED_ON_CORE");
  for (const lab of started) {
    await deps.cml.stopLab(endpoint, lab.id);
  }
  return started.length;
}

async function recordLicenseLeft(
  deps: LicenseDeps,
  worker: Worker,
  actor: Actor,
  why: string,
): Promise<Worker> {
  return updateWorker(deps, worker.id, (current, now) => ({
    worker: current,
    events: [
      workerEvent(
        current,
        "worker.license_changed",
        `${current.name}: the license may stay registered on the Smart Account after termination; release it there`,
        {
          actor,
          reason: why,
          now,
          data: { licenseLeftRegistered: true, licenseStatus: current.license.status },
        },
      ),
    ],
  }));
}

/**
 * Frees the worker's license seat before its instance is destroyed.
 * - CML refuses while nodes run: with `force` the labs are stopped first,
 *   else the terminate fails with a message saying what to do.
 * - CML cannot be reached (the worker is stopped or broken): with `force` the
 *   terminate goes on and an event says the seat may remain taken; else it fails.
 */
export async function releaseLicenseBeforeTerminate(
  deps: LicenseDeps,
  worker: Worker,
  actor: Actor,
  force: boolean,
): Promise<Worker> {
  const endpoint = endpointOf(worker);
  if (worker.status !== "RUNNING" || endpoint === null) {
    if (!MAY_HOLD_A_SEAT.includes(worker.license.status)) {
      return worker;
    }
    if (!force) {
      const unconfirmed = worker.status === "RUNNING" ? unconfirmedReason(worker) : null;
      if (unconfirmed !== null) {
        throw new ConflictError(
          `${unconfirmed}, so its CML license (${worker.license.status}) cannot be deregistered; confirm it first, or terminate with force to leave the license to be released on the Smart Account`,
        );
      }
      throw new ConflictError(
        `${worker.name} is ${worker.status}, so its CML license (${worker.license.status}) cannot be deregistered; start it first, or terminate with force to leave the license to be released on the Smart Account`,
      );
    }
    return recordLicenseLeft(deps, worker, actor, `terminated while ${worker.status}`);
  }

  try {
    const licensing = await deps.cml.licensing(endpoint);
    if (!MAY_HOLD_A_SEAT.includes(licensing.status)) {
      return worker;
    }
    let result: LicenseDeregistration | null = null;
    try {
      result = await deps.cml.deregisterLicense(endpoint);
    } catch (error) {
      if (!(error instanceof CmlError && error.kind === "refused")) {
        throw error;
      }
      if (!force) {
        throw new ConflictError(
          `CML on ${worker.name} refuses to deregister its license while nodes are running; stop its labs, or terminate with force to have the fleet stop them`,
          { cause: error },
        );
      }
      const stopped = await stopStartedLabs(deps, worker);
      deps.logger.info({ workerId: worker.id, stopped }, "stopped labs to free the license");
      for (let attempt = 1; result === null; attempt++) {
        try {
          result = await deps.cml.deregisterLicense(endpoint);
        } catch (retryError) {
          const stillRefused = retryError instanceof CmlError && retryError.kind === "refused";
          if (!stillRefused || attempt >= DEREGISTER_AFTER_STOP_ATTEMPTS) {
            throw retryError;
          }
          await deps.sleep(1_000);
        }
      }
    }
    const localOnly = result.localOnly;
    return await updateWorker(deps, worker.id, (current, now) =>
      applyLicense(
        current,
        { status: "UNREGISTERED", nodeLimit: null, nodesInUse: null, checkedAt: now },
        actor,
        now,
        localOnly
          ? "deregistered on the worker only: Cisco's licensing service did not answer, so release the seat on the Smart Account"
          : "deregistered before termination",
      ),
    );
  } catch (error) {
    if (force && isRetryable(error)) {
      return recordLicenseLeft(deps, worker, actor, error instanceof Error ? error.message : String(error));
    }
    throw error;
  }
}
