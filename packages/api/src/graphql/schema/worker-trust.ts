import { cmlTrustOf } from "@cml-fleet/core/domain/worker";
import { builder } from "../builder";
import { onOwnedWorker } from "../worker-ownership";
import { WorkerRef } from "./worker";

/**
 * How far the fleet trusts a worker's CML before sending it the fleet's CML
 * password: the certificate pinned on first contact, one refused for not
 * matching it, and whether an auto-imported worker has been confirmed. The
 * mutations are ADMIN decisions, audited, applied by the next contact.
 */
builder.objectFields(WorkerRef, (t) => ({
  confirmed: t.boolean({
    description:
      "Whether the fleet contacts this worker's CML. False for an instance that reconciliation imported on its own (a fleet tag anyone with EC2 rights can set) until an ADMIN confirms it with confirmWorker.",
    resolve: (worker) => cmlTrustOf(worker).confirmed,
  }),
  cmlCertificateFingerprint: t.string({
    nullable: true,
    description:
      "SHA-256 fingerprint (AB:CD:...) of the CML certificate pinned on the first contact; null until then. A certificate that does not match is refused before any credential is sent.",
    resolve: (worker) => cmlTrustOf(worker).certificateFingerprint,
  }),
  cmlRejectedCertificateFingerprint: t.string({
    nullable: true,
    description:
      "SHA-256 fingerprint of the certificate last refused for not matching the pin (the service is then ERROR); null when none was refused since the pinned one answered.",
    resolve: (worker) => cmlTrustOf(worker).rejectedFingerprint,
  }),
}));

builder.mutationFields((t) => ({
  trustWorkerCertificate: t.field({
    type: WorkerRef,
    description:
      "Pins the worker's CML to the certificate with this SHA-256 fingerprint (compare it with the one the worker.certificate_mismatch event reports); without a fingerprint the pin is cleared and the next contact pins whatever certificate answers.",
    authScopes: onOwnedWorker("id", { role: "ADMIN" }),
    args: {
      id: t.arg.id({ required: true }),
      fingerprint: t.arg.string({ description: "64 hex digits, optionally as colon-separated pairs." }),
    },
    resolve: (_root, args, context) =>
      context.services.workerTrust.trustCertificate(
        context.access.require("trustWorkerCertificate"),
        String(args.id),
        args.fingerprint ?? null,
      ),
  }),
  confirmWorker: t.field({
    type: WorkerRef,
    description:
      "Confirms a worker that reconciliation imported on its own: from now on the fleet contacts its CML (and pins its certificate on the first contact).",
    authScopes: onOwnedWorker("id", { role: "ADMIN" }),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerTrust.confirm(context.access.require("confirmWorker"), String(args.id)),
  }),
}));
