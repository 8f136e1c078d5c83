import { checkText } from "@cml-fleet/core/domain/input-text";
import { builder } from "../builder";
import { onOwnedWorker } from "../worker-ownership";
import { WorkerRef } from "./worker";

builder.objectField(WorkerRef, "owner", (t) =>
  t.string({
    nullable: true,
    description:
      "The identity (a token's name, an OIDC user) that owns this worker: a USER credential of that name sees it and may start, stop, keep alive and snapshot it. Null: nobody's.",
    resolve: (worker) => worker.owner ?? null,
  }),
);

builder.mutationField("setWorkerOwner", (t) =>
  t.field({
    type: WorkerRef,
    description:
      "Gives the worker to an identity (a token's name, an OIDC user's name claim); null or blank clears it. Recorded as a worker.owner_changed event and in the audit log.",
    authScopes: onOwnedWorker("id", { role: "ADMIN" }),
    args: { id: t.arg.id({ required: true }), owner: t.arg.string() },
    resolve: (_root, args, context) =>
      context.services.workerSettings.setOwner(
        context.access.require("setWorkerOwner"),
        checkText("workerId", "id", args.id),
        args.owner ?? null,
      ),
  }),
);
