import { randomBytes } from "node:crypto";
import type { CmlLab } from "../cml/cml-controller";

/** One EBS snapshot of an instance's root volume, with the CML labs that volume held when it was taken. */
export interface EbsSnapshot {
  readonly snapshotId: string;
  /** Creation order; DescribeSnapshots pages walk it. */
  readonly seq: number;
  readonly ownerId: string;
  readonly region: string;
  readonly volumeId: string;
  /** GiB. */
  readonly volumeSize: number;
  readonly description: string;
  /** Epoch ms. */
  readonly startTime: number;
  /** Epoch ms it reaches `completed`. */
  readonly completesAt: number;
  readonly tags: Map<string, string>;
  /** The source instance's CML labs at the moment of the snapshot. */
  readonly labs: readonly CmlLab[];
}

export type EbsSnapshotStatus = "pending" | "completed";

export function snapshotStatus(snapshot: EbsSnapshot, now: number): EbsSnapshotStatus {
  return now >= snapshot.completesAt ? "completed" : "pending";
}

/** EC2's progress text: "0%".."99%" while pending, "100%" once completed. */
export function snapshotProgress(snapshot: EbsSnapshot, now: number): string {
  if (now >= snapshot.completesAt) {
    return "100%";
  }
  const span = snapshot.completesAt - snapshot.startTime;
  const done = span <= 0 ? 99 : Math.floor(((now - snapshot.startTime) / span) * 100);
  return `${Math.min(99, Math.max(0, done))}%`;
}

const SNAPSHOT_ID = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function isWellFormedSnapshotId(id: string): boolean {
  return SNAPSHOT_ID.test(id);
}

function newSnapshotId(): string {
  return `snap-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

/** Every account's snapshots; callers look them up with their own account and region. */
export class EbsSnapshotStore {
  private readonly byId = new Map<string, EbsSnapshot>();
  private seq = 0;

  create(fields: Omit<EbsSnapshot, "snapshotId" | "seq">): EbsSnapshot {
    let snapshotId = newSnapshotId();
    while (this.byId.has(snapshotId)) {
      snapshotId = newSnapshotId();
    }
    const snapshot: EbsSnapshot = { ...fields, snapshotId, seq: ++this.seq };
    this.byId.set(snapshotId, snapshot);
    return snapshot;
  }

  /** Puts back a snapshot restored from a state file. */
  restore(snapshot: EbsSnapshot): void {
    this.byId.set(snapshot.snapshotId, snapshot);
    this.seq = Math.max(this.seq, snapshot.seq);
  }

  /** The snapshot when `accountId` owns it in `region`; another account's or region's is unknown, as on EC2. */
  get(accountId: string, region: string, snapshotId: string): EbsSnapshot | undefined {
    const found = this.byId.get(snapshotId);
    return found !== undefined && found.ownerId === accountId && found.region === region ? found : undefined;
  }

  /** The account's snapshots in the region, in creation order. */
  list(accountId: string, region: string): EbsSnapshot[] {
    return [...this.byId.values()]
      .filter((snapshot) => snapshot.ownerId === accountId && snapshot.region === region)
      .sort((a, b) => a.seq - b.seq);
  }

  delete(snapshotId: string): void {
    this.byId.delete(snapshotId);
  }

  all(): EbsSnapshot[] {
    return [...this.byId.values()].sort((a, b) => a.seq - b.seq);
  }
}

/** What the EC2 snapshot actions need besides the instances: the store, the delay, and the instances' CML labs. */
export interface EbsState {
  readonly snapshots: EbsSnapshotStore;
  /** CreateSnapshot -> `completed`. */
  readonly snapshotDelayMs: number;
  /** The labs an instance's CML holds now. */
  labsOf(instanceId: string): readonly CmlLab[];
  /** Gives a freshly launched instance's CML the labs of the snapshot its root volume came from. */
  restoreLabs(instanceId: string, labs: readonly CmlLab[]): void;
}
