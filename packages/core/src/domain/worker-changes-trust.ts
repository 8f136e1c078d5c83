import type { Actor } from "./actor";
import { type CmlTrust, cmlTrustOf, type Worker } from "./worker";
import { changed, unchanged, type WorkerChange, workerEvent } from "./worker-changes-common";

/**
 * Changes to how far the fleet trusts a worker's CML (see `CmlTrust`): the
 * certificate pinned on first use, a certificate refused, an ADMIN's trust or
 * confirmation, and the pin a new instance no longer needs.
 */

function withTrust(worker: Worker, trust: Partial<CmlTrust>): Pick<Worker, "cmlTrust"> {
  return { cmlTrust: { ...cmlTrustOf(worker), ...trust } };
}

/** The first certificate seen on the worker's CML becomes its pin; a worker already pinned is unchanged. */
export function pinCertificate(worker: Worker, fingerprint: string, actor: Actor, now: Date): WorkerChange {
  if (cmlTrustOf(worker).certificateFingerprint !== null) {
    return unchanged(worker);
  }
  const event = workerEvent(
    worker,
    "worker.certificate_pinned",
    `${worker.name}: CML certificate pinned on first contact (SHA-256 ${fingerprint})`,
    { actor, reason: null, now, data: { fingerprint } },
  );
  return changed(
    worker,
    withTrust(worker, { certificateFingerprint: fingerprint, rejectedFingerprint: null }),
    now,
    [event],
  );
}

/**
 * The worker's CML presented `presented` where `pinned` is pinned: recorded
 * with an event the first time that certificate is refused (a sweep that
 * meets it again says nothing new). The pin stays as it is.
 */
export function rejectCertificate(
  worker: Worker,
  presented: string,
  pinned: string,
  actor: Actor,
  now: Date,
): WorkerChange {
  const trust = cmlTrustOf(worker);
  // Already said; or an ADMIN changed the pin since the refused look, which makes it moot.
  if (trust.rejectedFingerprint === presented || trust.certificateFingerprint !== pinned) {
    return unchanged(worker);
  }
  const event = workerEvent(
    worker,
    "worker.certificate_mismatch",
    `${worker.name}: CML presented a certificate that does not match its pin; refused, no credential sent`,
    {
      actor,
      reason: "an ADMIN may trust the new certificate with trustWorkerCertificate after checking it",
      now,
      data: { presented, pinned },
    },
  );
  return changed(worker, withTrust(worker, { rejectedFingerprint: presented }), now, [event]);
}

/** A refused certificate no longer shows once the worker's CML answers with the pinned one. */
export function forgetRejectedCertificate(worker: Worker, now: Date): WorkerChange {
  return cmlTrustOf(worker).rejectedFingerprint === null
    ? unchanged(worker)
    : changed(worker, withTrust(worker, { rejectedFingerprint: null }), now, []);
}

/**
 * An ADMIN trusts a certificate: `fingerprint` becomes the pin, or with null
 * the pin is cleared and the next contact pins what it finds.
 */
export function trustCertificate(
  worker: Worker,
  fingerprint: string | null,
  actor: Actor,
  reason: string | null,
  now: Date,
): WorkerChange {
  const trust = cmlTrustOf(worker);
  if (trust.certificateFingerprint === fingerprint && trust.rejectedFingerprint === null) {
    return unchanged(worker);
  }
  const message =
    fingerprint === null
      ? `${worker.name}: CML certificate pin cleared; the next contact pins the certificate it finds`
      : `${worker.name}: CML certificate SHA-256 ${fingerprint} trusted and pinned`;
  const event = workerEvent(worker, "worker.certificate_trusted", message, {
    actor,
    reason,
    now,
    data: { from: trust.certificateFingerprint, to: fingerprint },
  });
  return changed(
    worker,
    withTrust(worker, { certificateFingerprint: fingerprint, rejectedFingerprint: null }),
    now,
    [event],
  );
}

/** A new instance has a new certificate: the old pin would refuse it. */
export function clearCertificatePin(worker: Worker): Worker {
  const trust = cmlTrustOf(worker);
  return trust.certificateFingerprint === null && trust.rejectedFingerprint === null
    ? worker
    : { ...worker, ...withTrust(worker, { certificateFingerprint: null, rejectedFingerprint: null }) };
}

/** An ADMIN confirms an auto-imported worker: from now on the fleet contacts its CML. */
export function confirmWorker(worker: Worker, actor: Actor, reason: string | null, now: Date): WorkerChange {
  if (cmlTrustOf(worker).confirmed) {
    return unchanged(worker);
  }
  const event = workerEvent(
    worker,
    "worker.confirmed",
    `${worker.name}: confirmed; the fleet now contacts its CML`,
    { actor, reason, now },
  );
  return changed(worker, withTrust(worker, { confirmed: true }), now, [event]);
}
