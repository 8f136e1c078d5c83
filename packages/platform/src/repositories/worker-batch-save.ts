import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type {
  SavedWorker,
  SavedWorkerBatch,
  WorkerBatchEntry,
} from "@cml-fleet/core/ports/worker-repository.port";
import { and, type Column, eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import { workerLabs } from "../db/schema/labs";
import { workers } from "../db/schema/workers";
import { columnArray, columnName, driverValue, insertByColumns } from "./column-arrays";
import {
  labRows,
  labsAsStored,
  toEventRow,
  toFleetEvent,
  toMutableColumns,
  toWorker,
  workerSelection,
} from "./worker-row.mapper";

/**
 * Rows per statement. The UPDATE and the labs' INSERT carry one array
 * parameter per column whatever their rows (the labs go in one statement); an
 * event row binds 7 parameters: these keep every statement far below
 * Postgres's 65,535 parameters, so a shard of any size is a handful of
 * statements.
 */
const WORKER_ROWS_PER_UPDATE = 500;
const EVENT_ROWS_PER_INSERT = 5_000;

type MutableColumns = ReturnType<typeof toMutableColumns>;
type MutableKey = keyof MutableColumns;

const columns = getTableColumns(workers);
const nameOf = (key: keyof typeof columns) => columnName(columns[key]);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/**
 * Writes a chunk of workers in one `UPDATE … FROM unnest(…)`: one array
 * parameter per column, each row only where the stored version is still the
 * entry's, answering the rows written. A VALUES list of a parameter per cell
 * (about 45 a row) made the statement's text and drizzle's building of it
 * the largest CPU cost of a sweep's save; the arrays keep both the size of a
 * handful of columns whatever the chunk.
 */
async function updateChunk(tx: Db, chunk: readonly WorkerBatchEntry[]) {
  const rows = chunk.map((entry) => toMutableColumns(entry.worker));
  const [first] = rows;
  if (first === undefined) {
    return [];
  }
  const keys = Object.keys(first) as MutableKey[];
  const set: Partial<Record<MutableKey, SQL>> = {};
  for (const key of keys) {
    set[key] = sql`batch.${sql.identifier(nameOf(key))}`;
  }
  const names = sql.join(
    keys.map((key) => sql.identifier(nameOf(key))),
    sql`, `,
  );
  const arrays = [
    columnArray(
      chunk.map((entry) => entry.worker.id),
      "text",
    ),
    columnArray(
      chunk.map((entry) => entry.worker.version),
      "integer",
    ),
    columnArray(
      chunk.map((entry) => entry.worker.updatedAt.toISOString()),
      "timestamptz",
    ),
    ...keys.map((key) => {
      const column: Column = columns[key];
      return columnArray(
        rows.map((row) => driverValue(column, row[key])),
        column.getSQLType(),
      );
    }),
  ];
  return tx
    .update(workers)
    .set({
      ...set,
      version: sql`${workers.version} + 1`,
      // Strictly increasing, as `save` writes it, so subscribers can order the snapshots they receive.
      updatedAt: sql`greatest(batch.updated_at, ${workers.updatedAt} + interval '1 millisecond')`,
    })
    .from(sql`unnest(${sql.join(arrays, sql`, `)}) as batch (id, version, updated_at, ${names})`)
    .where(and(eq(workers.id, sql`batch.id`), eq(workers.version, sql`batch.version`)))
    .returning(workerSelection);
}

/** Replaces the stored labs of the workers written whose entries carry labs (one DELETE, then the rows). */
async function replaceLabs(tx: Db, written: readonly WorkerBatchEntry[]): Promise<void> {
  const withLabs = written.filter((entry) => entry.labs !== undefined);
  if (withLabs.length === 0) {
    return;
  }
  await tx.delete(workerLabs).where(
    inArray(
      workerLabs.workerId,
      withLabs.map((entry) => entry.worker.id),
    ),
  );
  await insertByColumns(
    tx,
    workerLabs,
    withLabs.flatMap((entry) => labRows(entry.worker.id, entry.labs ?? [])),
  );
}

/** The events of the entries written, in one multi-row INSERT per chunk, handed back entry by entry. */
async function insertBatchEvents(tx: Db, written: readonly WorkerBatchEntry[]): Promise<FleetEvent[][]> {
  const rows = written.flatMap((entry) => entry.events.map(toEventRow));
  const inserted: FleetEvent[] = [];
  for (const chunk of chunks(rows, EVENT_ROWS_PER_INSERT)) {
    const returned = await tx.insert(fleetEvents).values(chunk).returning();
    // Identities are drawn in the order of the VALUES list: ordering by them restores the entries' order.
    inserted.push(...returned.sort((a, b) => a.id - b.id).map(toFleetEvent));
  }
  let next = 0;
  return written.map((entry) => {
    const events = inserted.slice(next, next + entry.events.length);
    next += entry.events.length;
    return events;
  });
}

/**
 * `WorkerRepository.saveMany` on Postgres, in one transaction: the workers
 * whose version still matches (UPDATE … FROM VALUES … RETURNING, a statement
 * per 500), then the labs and the events of those written. Labs are written
 * only with their worker, so an entry that lost its version check (a reading
 * older than a save made meanwhile) cannot replace newer labs.
 */
export async function saveWorkerBatch(
  db: Db,
  entries: readonly WorkerBatchEntry[],
): Promise<SavedWorkerBatch> {
  if (entries.length === 0) {
    return { saved: [], conflicts: [] };
  }
  const ids = new Set(entries.map((entry) => entry.worker.id));
  if (ids.size !== entries.length) {
    throw new RangeError("a batch of worker saves names a worker more than once");
  }
  return db.transaction(async (tx) => {
    const rows = new Map<string, Worker>();
    for (const chunk of chunks(entries, WORKER_ROWS_PER_UPDATE)) {
      for (const row of await updateChunk(tx, chunk)) {
        rows.set(row.id, toWorker(row));
      }
    }
    const written = entries.filter((entry) => rows.has(entry.worker.id));
    await replaceLabs(tx, written);
    const events = await insertBatchEvents(tx, written);
    const saved = written.flatMap((entry, index): SavedWorker[] => {
      const row = rows.get(entry.worker.id);
      if (row === undefined) {
        return [];
      }
      // RETURNING read the labs before this transaction replaced them: the worker carries the new ones.
      const worker = entry.labs === undefined ? row : { ...row, labs: labsAsStored(entry.labs) };
      return [{ worker, events: events[index] ?? [] }];
    });
    return {
      saved,
      conflicts: entries.filter((entry) => !rows.has(entry.worker.id)).map((entry) => entry.worker.id),
    };
  });
}
