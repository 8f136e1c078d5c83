import { normalizeFingerprint } from "../domain/certificate-fingerprint";
import { actorOf, type Requester } from "../domain/requester";
import type { Worker } from "../domain/worker";
import type { WorkerChange } from "../domain/worker-changes-common";
import { confirmWorker, trustCertificate } from "../domain/worker-changes-trust";
import { ConflictError, ValidationError } from "../errors";
import { successAudit } from "./request-audit";
import { unlessUnchanged, updateWorker, type WorkerWriterDeps } from "./worker-writer";

/** Worker ids are generated (UUIDs); anything long or with control characters cannot be one. */
const WORKER_ID = /^[^\p{Cc}]{1,100}$/u;

function checkWorkerId(id: string): string {
  if (!WORKER_ID.test(id)) {
    throw new ValidationError("id", "must be a worker id: 1 to 100 characters, no control characters");
  }
  return id;
}

/**
 * An ADMIN's decisions about trusting a worker's CML (see `CmlTrust`): which
 * certificate to hold it to, and whether an auto-imported worker may be
 * contacted at all. Each is recorded at once, with an event and an audit row
 * in the same transaction; no job is needed (the next contact applies it).
 */
export function createWorkerTrustService(deps: WorkerWriterDeps) {
  function change(
    by: Requester,
    operation: string,
    id: string,
    args: Record<string, unknown>,
    apply: (worker: Worker, now: Date) => WorkerChange,
  ): Promise<Worker> {
    return updateWorker(
      deps,
      checkWorkerId(id),
      (worker, now) => {
        if (worker.status === "TERMINATED") {
          throw new ConflictError(`worker ${worker.name} is TERMINATED; there is no CML left to trust`);
        }
        return unlessUnchanged(worker, apply(worker, now));
      },
      { audit: (now) => successAudit(by, operation, { id, ...args }, now) },
    );
  }

  return {
    /**
     * Pins `fingerprint` (SHA-256, as a mismatch event reports it), or with
     * null clears the pin so that the next contact pins what it finds. Giving
     * the fingerprint is the safer choice: it trusts exactly the certificate
     * the operator checked, not whatever answers next.
     */
    trustCertificate(by: Requester, id: string, fingerprint: string | null): Promise<Worker> {
      const pin = fingerprint === null ? null : normalizeFingerprint(fingerprint);
      if (fingerprint !== null && pin === null) {
        throw new ValidationError(
          "fingerprint",
          "must be a SHA-256 fingerprint: 64 hex digits, optionally in colon-separated pairs (AB:CD:...), as the worker.certificate_mismatch event reports it",
        );
      }
      return change(by, "trustWorkerCertificate", id, { fingerprint: pin }, (worker, now) =>
        trustCertificate(worker, pin, actorOf(by), null, now),
      );
    },

    /** Lets the fleet contact an auto-imported worker's CML (its certificate is then pinned on first use). */
    confirm(by: Requester, id: string): Promise<Worker> {
      return change(by, "confirmWorker", id, {}, (worker, now) =>
        confirmWorker(worker, actorOf(by), null, now),
      );
    },
  };
}

export type WorkerTrustService = ReturnType<typeof createWorkerTrustService>;
