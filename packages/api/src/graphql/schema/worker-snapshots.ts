import { SNAPSHOT_STATES, type WorkerSnapshot } from "@cml-fleet/core/domain/snapshot";
import { builder } from "../builder";
import { WorkerRef } from "./worker";

export const SnapshotStateEnum = builder.enumType("SnapshotState", { values: SNAPSHOT_STATES });

export const SnapshotRef = builder.objectRef<WorkerSnapshot>("Snapshot").implement({
  description:
    "An EBS snapshot of a worker's root volume (its CML labs with it), taken by snapshotWorker; createWorker(input: { fromSnapshotId }) launches from a COMPLETED one.",
  fields: (t) => ({
    id: t.exposeID("id"),
    snapshotId: t.exposeString("snapshotId", {
      nullable: true,
      description: "The EBS snapshot id (snap-...).",
    }),
    workerId: t.exposeID("workerId", { nullable: true }),
    state: t.expose("state", { type: SnapshotStateEnum }),
    description: t.exposeString("description", { nullable: true }),
    sizeGiB: t.exposeInt("sizeGiB", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.objectField(WorkerRef, "snapshots", (t) =>
  t.field({
    type: [SnapshotRef],
    description: "The worker's snapshots, newest first (one statement for a whole page of workers).",
    resolve: (worker, _args, context) => context.loaders.snapshots.load(worker.id),
  }),
);
