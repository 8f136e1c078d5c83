import type { SnapshotState, WorkerSnapshot } from "../domain/snapshot";

export interface NewWorkerSnapshot {
  readonly id: string;
  readonly workerId: string;
  readonly accountId: string;
  readonly region: string;
  readonly description: string | null;
  readonly createdAt: Date;
}

export interface SnapshotChange {
  readonly snapshotId?: string;
  readonly state?: SnapshotState;
  readonly sizeGiB?: number | null;
  readonly completedAt?: Date | null;
  readonly error?: string | null;
}

/** The fleet's record of its workers' EBS snapshots. */
export interface SnapshotStore {
  findById(id: string): Promise<WorkerSnapshot | null>;
  /** Each worker's snapshots, newest first, in one statement (a page of workers asks once). */
  listForWorkers(workerIds: readonly string[]): Promise<Map<string, WorkerSnapshot[]>>;
  /** Records a PENDING snapshot; one already recorded under this id is returned as it is. */
  insertIfAbsent(snapshot: NewWorkerSnapshot): Promise<WorkerSnapshot>;
  /** Throws NotFoundError for an unknown id. */
  update(id: string, change: SnapshotChange): Promise<WorkerSnapshot>;
  /** Forgets a snapshot whose EBS snapshot was deleted; an unknown id is no error. */
  delete(id: string): Promise<void>;
}
