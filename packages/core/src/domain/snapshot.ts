import { ValidationError } from "../errors";
import { checkOptionalText } from "./input-text";

export const SNAPSHOT_STATES = ["PENDING", "COMPLETED", "ERROR"] as const;
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];

/** An EBS snapshot of a worker's root volume, as the fleet keeps it (the `snapshots` table). */
export interface WorkerSnapshot {
  /** The fleet's id, chosen when the snapshot was asked for (a UUID); also a tag on the EBS snapshot. */
  readonly id: string;
  /** EC2's id (snap-...), null until CreateSnapshot answered. */
  readonly snapshotId: string | null;
  readonly workerId: string;
  /** Where it can be launched from: the worker's account (a key of the settings' accounts) and region. */
  readonly accountId: string;
  readonly region: string;
  readonly state: SnapshotState;
  readonly description: string | null;
  readonly sizeGiB: number | null;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  /** Why it is in ERROR. */
  readonly error: string | null;
}

/** The tag that names the fleet's snapshot on the EBS snapshot, so a retried job finds the one it made. */
export const SNAPSHOT_ID_TAG = "cml-fleet:snapshot-id";

/** EC2 takes descriptions of at most 255 characters. */
export const MAX_SNAPSHOT_DESCRIPTION = 255;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A snapshot id as the API takes it (the fleet's, a UUID); anything else is refused before any lookup. */
export function validateSnapshotId(field: string, value: string): string {
  if (!UUID.test(value)) {
    throw new ValidationError(
      field,
      "must be a snapshot id, a UUID such as 0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
    );
  }
  return value.toLowerCase();
}

/** A description as given: one line of safe text, at most 255 characters; blank means none. */
export function validateSnapshotDescription(
  value: string | null | undefined,
  field = "description",
): string | null {
  const given = checkOptionalText("reason", field, value);
  if (given === null || given.trim() === "") {
    return null;
  }
  const trimmed = given.trim();
  if ([...trimmed].length > MAX_SNAPSHOT_DESCRIPTION) {
    throw new ValidationError(field, `must be at most ${MAX_SNAPSHOT_DESCRIPTION} characters (EC2's limit)`);
  }
  return trimmed;
}

/** The snapshot a new worker's root volume is restored from: the fleet's id and EC2's. */
export interface LaunchSnapshot {
  readonly id: string;
  readonly snapshotId: string;
}

/** The launch snapshot a `worker.created` event's data names, or null. */
export function launchSnapshotIn(data: Readonly<Record<string, unknown>>): LaunchSnapshot | null {
  const given = data.launchSnapshot;
  if (typeof given !== "object" || given === null || !("id" in given) || !("snapshotId" in given)) {
    return null;
  }
  return typeof given.id === "string" && typeof given.snapshotId === "string"
    ? { id: given.id, snapshotId: given.snapshotId }
    : null;
}
