import { JOB_KINDS } from "@cml-fleet/core/domain/job";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import type { TestFleet } from "../graphql/support/test-fleet";

/**
 * What a request may have written, as comparable text per store: the
 * workers, labs and tokens tables by content (a refused request must not even
 * update a row; a token's last use is bookkeeping of authentication and left
 * out), the append-only events and telemetry by count and highest id, and the
 * BullMQ jobs of every queue by state. The audit log is counted apart: a
 * refusal may write one audit row (the contract says refusals are audited).
 */
export interface Footprint {
  readonly tables: Readonly<Record<string, string>>;
  readonly jobs: string;
}

export interface FootprintReader {
  read(): Promise<Footprint>;
  /** Audit rows per request id, for the ids given. */
  auditRowsByRequest(requestIds: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

const JOB_STATES = [
  "active",
  "waiting",
  "waiting-children",
  "prioritized",
  "delayed",
  "completed",
  "failed",
] as const;

export function footprintReader(fleet: TestFleet): FootprintReader {
  const connection = fleet.db.database.connection;
  if (connection.kind !== "pg") {
    throw new Error("the fuzz suite reads row counts from Postgres");
  }
  const { pool } = connection;
  const schema = fleet.db.schema;
  const table = (name: string) => `"${schema}"."${name}"`;
  const queues = JOB_KINDS.map(
    (kind) => new Queue(queueName(kind), { connection: fleet.redis, prefix: fleet.settings.redis.keyPrefix }),
  );
  const fingerprintSql = `select
      (select count(*) || ':' || md5(coalesce(string_agg(w::text, '|' order by w.id), '')) from ${table("workers")} w) as workers,
      (select count(*) || ':' || md5(coalesce(string_agg(l::text, '|' order by l::text), '')) from ${table("worker_labs")} l) as worker_labs,
      (select count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', t.id, t.name, t.role, t.token_hash, t.revoked_at), '|' order by t.id), '')) from ${table("api_tokens")} t) as api_tokens,
      (select count(*) || ':' || coalesce(max(id), 0) from ${table("fleet_events")}) as fleet_events,
      (select count(*) || ':' || coalesce(max(id), 0) from ${table("telemetry_samples")}) as telemetry_samples`;

  return {
    async read() {
      const [rows, counts] = await Promise.all([
        pool.query<Record<string, string>>(fingerprintSql),
        Promise.all(queues.map((queue) => queue.getJobCounts(...JOB_STATES))),
      ]);
      const tables = rows.rows[0] ?? {};
      const jobs = counts
        .map(
          (perState, index) =>
            `${JOB_KINDS[index]}=${JOB_STATES.map((state) => perState[state] ?? 0).join("/")}`,
        )
        .join(" ");
      return { tables, jobs };
    },
    async auditRowsByRequest(requestIds) {
      const result = await pool.query<{ request_id: string; rows: string }>(
        `select request_id, count(*) as rows from ${table("audit_log")} where request_id = any($1) group by request_id`,
        [requestIds],
      );
      return new Map(result.rows.map((row) => [row.request_id, Number(row.rows)]));
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}

/** True when two footprints show the same content. */
export function sameFootprint(a: Footprint, b: Footprint): boolean {
  return changedStores(a, b).length === 0;
}

/**
 * The footprint once writes have stopped: an operation whose client went away
 * (its socket closed before the answer) still runs to its end on the server,
 * and its writes must not be blamed on the next request. Reads until two reads
 * a little apart agree, within a bound; this only decides where the next
 * request's window starts, it asserts nothing.
 */
export async function settledFootprint(reader: FootprintReader): Promise<Footprint> {
  let previous = await reader.read();
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const current = await reader.read();
    if (sameFootprint(previous, current)) {
      return current;
    }
    previous = current;
  }
  return previous;
}

/** The stores whose content differs between two footprints (empty when nothing was written). */
export function changedStores(before: Footprint, after: Footprint): string[] {
  const changed = Object.keys(after.tables).filter((name) => before.tables[name] !== after.tables[name]);
  if (before.jobs !== after.jobs) {
    changed.push(`jobs (${before.jobs} -> ${after.jobs})`);
  }
  return changed;
}
