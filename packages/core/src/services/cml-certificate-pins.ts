import { systemActor } from "../domain/actor";
import { cmlTrustOf } from "../domain/worker";
import { pinCertificate } from "../domain/worker-changes-trust";
import { NotFoundError } from "../errors";
import type { CmlCertificatePins } from "../ports/cml-client.port";
import { unlessUnchanged, updateWorker, type WorkerWriterDeps } from "./worker-writer";

const pinner = systemActor("cml-certificate-pinning");

/**
 * The CML client's first-use pins, written through the worker's optimistic
 * write path: two processes meeting an unpinned worker at once cannot both
 * pin, the loser re-reads and is answered with the winner's pin (which its
 * caller then holds its own certificate to).
 */
export function createCmlCertificatePins(deps: WorkerWriterDeps): CmlCertificatePins {
  return {
    async pinFirstCertificate(workerId, fingerprint) {
      try {
        const worker = await updateWorker(deps, workerId, (current, now) =>
          unlessUnchanged(current, pinCertificate(current, fingerprint, pinner, now)),
        );
        return cmlTrustOf(worker).certificateFingerprint;
      } catch (error) {
        if (error instanceof NotFoundError) {
          return null;
        }
        throw error;
      }
    },
  };
}
