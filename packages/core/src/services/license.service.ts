import type { Actor } from "../domain/actor";
import type { Worker } from "../domain/worker";
import { applyLicense } from "../domain/worker-changes-observed";
import { ConflictError, ValidationError } from "../errors";
import type { LicenseTokenVault } from "../ports/license-token-vault.port";
import { endpointOf, unconfirmedReason } from "./instance-readiness";
import type { ProgressReporter } from "./job-progress";
import { type LicenseDeps, readWorkerLicense, registerWorkerLicense } from "./license-registration";
import { loadWorker } from "./load-worker";
import { updateWorker } from "./worker-writer";

export interface LicenseServiceDeps extends LicenseDeps {
  /** The configured token (CML_LICENSE_TOKEN), or null. */
  readonly configuredToken: string | null;
  /** Where a token an operator handed to the API waits, out of job data (kept across the job's retries). */
  readonly licenseTokens: Pick<LicenseTokenVault, "read" | "discard">;
}

export function createLicenseService(deps: LicenseServiceDeps) {
  const load = (workerId: string) => loadWorker(deps.workers, workerId);

  async function tokenFor(useConfiguredToken: boolean, tokenRef: string | null): Promise<string> {
    if (tokenRef !== null) {
      const token = await deps.licenseTokens.read(tokenRef);
      if (token === null) {
        throw new ValidationError(
          "token",
          "the license token handed to this job is no longer available; request again",
        );
      }
      return token;
    }
    if (useConfiguredToken && deps.configuredToken !== null) {
      return deps.configuredToken;
    }
    throw new ValidationError("token", "no license token given and CML_LICENSE_TOKEN is not set");
  }

  /** Forgets a handed-over token; its expiry bounds it should Redis not answer now (the token itself is never logged). */
  async function discardToken(tokenRef: string): Promise<void> {
    await deps.licenseTokens.discard(tokenRef).catch((error: unknown) => {
      deps.logger.warn({ err: error, tokenRef }, "could not discard a license token; it expires on its own");
    });
  }

  return {
    async register(
      workerId: string,
      actor: Actor,
      request: { useConfiguredToken: boolean; tokenRef: string | null },
      progress: ProgressReporter,
    ): Promise<Worker> {
      const token = await tokenFor(request.useConfiguredToken, request.tokenRef);
      await progress.report(0.2, "registering the license");
      const worker = await registerWorkerLicense(deps, await load(workerId), token, actor);
      // Registered: the token has done its work. On a failure it stays for the next attempt.
      if (request.tokenRef !== null) {
        await discardToken(request.tokenRef);
      }
      await progress.report(1, "registered");
      return worker;
    },

    /** The registration will not be tried again (permanent error or attempts used up): its token goes. */
    async giveUp(request: { tokenRef: string | null }): Promise<void> {
      if (request.tokenRef !== null) {
        await discardToken(request.tokenRef);
      }
    },

    /** Deregisters without stopping anything: CML's refusal while nodes run is reported as is. */
    async deregister(workerId: string, actor: Actor, progress: ProgressReporter): Promise<Worker> {
      const worker = await load(workerId);
      const endpoint = endpointOf(worker);
      if (worker.status !== "RUNNING" || endpoint === null) {
        throw new ConflictError(
          unconfirmedReason(worker) ??
            `cannot deregister the license of ${worker.name}: it is ${worker.status}`,
        );
      }
      await progress.report(0.2, "deregistering the license");
      const result = await deps.cml.deregisterLicense(endpoint);
      const saved = await updateWorker(deps, workerId, (current, now) =>
        applyLicense(
          current,
          { status: "UNREGISTERED", nodeLimit: null, nodesInUse: null, checkedAt: now },
          actor,
          now,
          result.localOnly
            ? "deregistered on the worker only: Cisco's licensing service did not answer; release the seat on the Smart Account"
            : null,
        ),
      );
      await progress.report(1, "deregistered");
      return saved;
    },

    /** Re-reads the license from CML (after a registration the sweep would otherwise pick up later). */
    async read(workerId: string, actor: Actor): Promise<Worker> {
      return readWorkerLicense(deps, await load(workerId), actor);
    },
  };
}

export type LicenseService = ReturnType<typeof createLicenseService>;
