import { checkText } from "@cml-fleet/core/domain/input-text";
import { builder } from "../builder";
import { onOwnedWorker } from "../worker-ownership";
import { WorkerRef } from "./worker";
import { LabRef } from "./worker-details";
import { WorkerJobPayloadRef } from "./worker-mutations";

/** The CML service's reason on the worker, and the lab commands (stopLab, stopAllLabs). */
builder.objectField(WorkerRef, "serviceStatusReason", (t) =>
  t.string({
    description:
      "Why the CML service is in its status: the failing component CML's own health names (ERROR), or why it did not answer (UNAVAILABLE); null when there is nothing to say.",
    nullable: true,
    // Only a status that needs explaining has a reason; a reason left from before is not shown with another one.
    resolve: (worker) =>
      worker.serviceStatus === "ERROR" || worker.serviceStatus === "UNAVAILABLE"
        ? (worker.serviceStatusReason ?? null)
        : null,
  }),
);

builder.objectField(LabRef, "nodeCount", (t) =>
  t.int({
    description: "How many nodes the lab has, as CML counts them; null when CML did not say.",
    nullable: true,
    resolve: (lab) => lab.nodeCount ?? null,
  }),
);

builder.mutationFields((t) => ({
  stopLab: t.field({
    type: WorkerJobPayloadRef,
    description:
      "Stops one lab of a RUNNING worker through its CML, as a job; the worker's labs are read again after. NOT_FOUND for a lab the fleet does not know on that worker (refreshWorker reads them again).",
    authScopes: onOwnedWorker("workerId", { role: "OPERATOR" }),
    args: { workerId: t.arg.id({ required: true }), labId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.labCommands.stopLab(
        context.access.require("stopLab"),
        checkText("workerId", "workerId", String(args.workerId)),
        checkText("labId", "labId", String(args.labId)),
      ),
  }),
  stopAllLabs: t.field({
    type: WorkerJobPayloadRef,
    description: "Stops every started lab of a RUNNING worker through its CML, as a job.",
    authScopes: onOwnedWorker("id", { role: "OPERATOR" }),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.labCommands.stopAllLabs(
        context.access.require("stopAllLabs"),
        checkText("workerId", "id", String(args.id)),
      ),
  }),
}));
