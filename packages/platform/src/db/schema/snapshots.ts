import { index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { instant } from "./columns";

/**
 * EBS snapshots of workers' root volumes, taken by snapshot jobs. `id` is the
 * fleet's (chosen when the snapshot is asked for, and tagged on the EBS
 * snapshot, so a retried job finds the one it made instead of making a
 * second); `snapshot_id` is EC2's, null until CreateSnapshot answered.
 * `account_id` and `region` say where it can be launched from. No foreign key
 * on `worker_id`: see fleetEvents in events.ts.
 */
export const snapshots = pgTable(
  "snapshots",
  {
    id: text().primaryKey(),
    snapshotId: text(),
    workerId: text().notNull(),
    accountId: text().notNull(),
    region: text().notNull(),
    // PENDING, COMPLETED or ERROR (SnapshotState in the contract).
    state: text().notNull(),
    description: text(),
    sizeGib: integer(),
    createdAt: instant().notNull().defaultNow(),
    completedAt: instant(),
    error: text(),
  },
  (t) => [uniqueIndex().on(t.snapshotId), index().on(t.workerId, t.createdAt)],
);

export type SnapshotRow = typeof snapshots.$inferSelect;
