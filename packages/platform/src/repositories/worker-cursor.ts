import { ValidationError } from "@cml-fleet/core/errors";

/** A position in the workers' stable order (created at, then id). */
export interface WorkerCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** Opaque to clients: base64url of the sort key of the last worker on a page. */
export function encodeWorkerCursor(cursor: WorkerCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString("base64url");
}

export function decodeWorkerCursor(text: string): WorkerCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) {
    throw invalidCursor();
  }
  const [at, id] = parsed as unknown[];
  if (typeof at !== "string" || typeof id !== "string") {
    throw invalidCursor();
  }
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime())) {
    throw invalidCursor();
  }
  return { createdAt, id };
}

/** The cursor of a worker on a page (the GraphQL edge cursor). */
export function workerCursor(worker: WorkerCursor): string {
  return encodeWorkerCursor({ createdAt: worker.createdAt, id: worker.id });
}

function invalidCursor(): ValidationError {
  return new ValidationError("after", "is not a cursor returned by this list");
}
