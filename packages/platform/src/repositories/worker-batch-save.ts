import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type {
  SavedWorker,
  SavedWorkerBatch,
  WorkerBatchEntry,
} from "@cml-fleet/core/ports/worker-repository.port";
import { and, eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import { CasingCache } from "drizzle-orm/casing";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import { workerLabs } from "../db/schema/labs";
import { workers } from "../db/schema/workers";
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
 * Rows per statement. An UPDATE row carries a parameter per mutable column
 * (about 45), a lab row 6, an event row 7: these keep every statement far
 * below Postgres's 65,535 parameters, so a shard of any size is a handful of
 * statements.
 */
const WORKER_ROWS_PER_UPDATE = 500;
const LAB_ROWS_PER_INSERT = 5_000;
const EVENT_ROWS_PER_INSERT = 5_000;

type MutableColumns = ReturnType<typeof toMutableColumns>;
type MutableKey = keyof MutableColumns;

const columns = getTableColumns(workers);
// The database names of the columns, as the database handle's snake_case casing writes them.
const casing = new CasingCache("snake_case");
const nameOf = (key: keyof typeof columns) => casing.getColumnCasing(columns[key]);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/**
 * One worker as a row of the VALUES list: each value encoded by its column
 * (as drizzle's own UPDATE would) and cast to the column's type, since
 * Postgres cannot infer the types of a VALUES list's parameters.
 */
function valuesRow(worker: Worker, keys: readonly MutableKey[]): SQL {
  const row = toMutableColumns(worker);
  const cells = keys.map((key) => {
    const column = columns[key];
    return sql`${sql.param(row[key], column)}::${sql.raw(column.getSQLType())}`;
  });
  return sql`(${worker.id}::text, ${worker.version}::integer, ${worker.updatedAt.toISOString()}::timestamptz, ${sql.join(cells, sql`, `)})`;
}

/**
 * Writes a chunk of workers in one `UPDATE … FROM (VALUES …)`: each row only
 * where the stored version is still the entry's, answering the rows written.
 */
async function updateChunk(tx: Db, chunk: readonly WorkerBatchEntry[]) {
  const first = chunk[0];
  if (first === undefined) {
    return [];
  }
  const keys = Object.keys(toMutableColumns(first.worker)) as MutableKey[];
  const set: Partial<Record<MutableKey, SQL>> = {};
  for (const key of keys) {
    set[key] = sql`batch.${sql.identifier(nameOf(key))}`;
  }
  const names = sql.join(
    keys.map((key) => sql.identifier(nameOf(key))),
    sql`, `,
  );
  const rows = sql.join(
    chunk.map((entry) => valuesRow(entry.worker, keys)),
    sql`, `,
  );
  return tx
    .update(workers)
    .set({
      ...set,
      version: sql`${workers.version} + 1`,
      // Strictly increasing, as `save` writes it, so subscribers can order the snapshots they receive.
      updatedAt: sql`greatest(batch.updated_at, ${workers.updatedAt} + interval '1 millisecond')`,
    })
    .from(sql`(values ${rows}) as batch (id, version, updated_at, ${names})`)
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
  const rows = withLabs.flatMap((entry) => labRows(entry.worker.id, entry.labs ?? []));
  for (const chunk of chunks(rows, LAB_ROWS_PER_INSERT)) {
    await tx.insert(workerLabs).values(chunk);
  }
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
