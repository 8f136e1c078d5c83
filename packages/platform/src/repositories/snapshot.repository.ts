import { SNAPSHOT_STATES, type SnapshotState, type WorkerSnapshot } from "@cml-fleet/core/domain/snapshot";
import { NotFoundError } from "@cml-fleet/core/errors";
import type {
  NewWorkerSnapshot,
  SnapshotChange,
  SnapshotStore,
} from "@cml-fleet/core/ports/snapshot-store.port";
import { desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/database";
import { type SnapshotRow, snapshots } from "../db/schema/snapshots";

function stateOf(value: string): SnapshotState {
  const known = SNAPSHOT_STATES.find((state) => state === value);
  // A state this version does not know is shown as an error rather than guessed.
  return known ?? "ERROR";
}

function toSnapshot(row: SnapshotRow): WorkerSnapshot {
  return {
    id: row.id,
    snapshotId: row.snapshotId,
    workerId: row.workerId,
    accountId: row.accountId,
    region: row.region,
    state: stateOf(row.state),
    description: row.description,
    sizeGiB: row.sizeGib,
    createdAt: row.createdAt,
    completedAt: row.completedAt,
    error: row.error,
  };
}

export function createSnapshotRepository(db: Db): SnapshotStore {
  async function findById(id: string): Promise<WorkerSnapshot | null> {
    const [row] = await db.select().from(snapshots).where(eq(snapshots.id, id)).limit(1);
    return row === undefined ? null : toSnapshot(row);
  }

  return {
    findById,

    async listForWorkers(workerIds) {
      const found = new Map<string, WorkerSnapshot[]>();
      if (workerIds.length === 0) {
        return found;
      }
      const rows = await db
        .select()
        .from(snapshots)
        .where(inArray(snapshots.workerId, [...workerIds]))
        .orderBy(desc(snapshots.createdAt), desc(snapshots.id));
      for (const row of rows) {
        const list = found.get(row.workerId) ?? [];
        list.push(toSnapshot(row));
        found.set(row.workerId, list);
      }
      return found;
    },

    async insertIfAbsent(snapshot: NewWorkerSnapshot) {
      await db
        .insert(snapshots)
        .values({
          id: snapshot.id,
          workerId: snapshot.workerId,
          accountId: snapshot.accountId,
          region: snapshot.region,
          state: "PENDING",
          description: snapshot.description,
          createdAt: snapshot.createdAt,
        })
        .onConflictDoNothing({ target: snapshots.id });
      const stored = await findById(snapshot.id);
      if (stored === null) {
        throw new NotFoundError("snapshot", snapshot.id);
      }
      return stored;
    },

    async update(id: string, change: SnapshotChange) {
      const [row] = await db
        .update(snapshots)
        .set({
          snapshotId: change.snapshotId,
          state: change.state,
          sizeGib: change.sizeGiB,
          completedAt: change.completedAt,
          error: change.error,
        })
        .where(eq(snapshots.id, id))
        .returning();
      if (row === undefined) {
        throw new NotFoundError("snapshot", id);
      }
      return toSnapshot(row);
    },

    async delete(id: string) {
      await db.delete(snapshots).where(eq(snapshots.id, id));
    },
  };
}
