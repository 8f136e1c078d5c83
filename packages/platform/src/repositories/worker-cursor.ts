import { decodeKeysetCursor, encodeKeysetCursor } from "./keyset-cursor";

/**
 * A position in the workers' stable order (created at, then id): a keyset
 * position under the workers' own names, written as every list's cursor is.
 */
export interface WorkerCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** Opaque to clients: base64url of the sort key of the last worker on a page. */
export function encodeWorkerCursor(cursor: WorkerCursor): string {
  return encodeKeysetCursor({ at: cursor.createdAt, id: cursor.id });
}

/** The position a cursor names; BAD_USER_INPUT (`after`) for anything the lists did not write. */
export function decodeWorkerCursor(text: string): WorkerCursor {
  const { at, id } = decodeKeysetCursor(text);
  return { createdAt: at, id };
}

/** The cursor of a worker on a page (the GraphQL edge cursor). */
export function workerCursor(worker: WorkerCursor): string {
  return encodeWorkerCursor({ createdAt: worker.createdAt, id: worker.id });
}
