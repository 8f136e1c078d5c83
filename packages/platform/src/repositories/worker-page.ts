import type { CmlLab } from "@cml-fleet/core/domain/worker";
import { ValidationError } from "@cml-fleet/core/errors";
import type { WorkerFilter, WorkerPage } from "@cml-fleet/core/ports/worker-repository.port";
import { and, asc, count, eq, ilike, inArray, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { workerCount } from "../db/schema/worker-count";
import { workers } from "../db/schema/workers";
import {
  autoStopWindowValues,
  type CostEventJson,
  costEventsColumn,
  costInputsOfEvents,
  PREPARED_COST_WINDOW,
} from "./cost-input-events";
import { decodeWorkerCursor } from "./worker-cursor";
import { fromWorkerJson, type WorkerJsonRow, workerJsonSelection } from "./worker-json-row";
import type { CostInputs } from "./worker-read-model";
import { ownedBy } from "./worker-read-model";
import { containsPattern, toWorker } from "./worker-row.mapper";

/** A page with each worker's cost inputs, read in the page's statement. */
export interface CostedWorkerPage extends WorkerPage {
  readonly costInputs: ReadonlyMap<string, CostInputs>;
}

export interface WorkerPages {
  list(filter: WorkerFilter, first: number, after: string | null): Promise<WorkerPage>;
  /**
   * The same page, and what each worker's cost is computed from (as
   * costInputsMany with `autoStopWindow`), in the page's one statement: a
   * page that asks for cost then costs one round trip, not two.
   */
  listWithCostInputs(
    filter: WorkerFilter,
    first: number,
    after: string | null,
    autoStopWindow: number,
  ): Promise<CostedWorkerPage>;
}

interface PageRow {
  readonly row: WorkerJsonRow;
  readonly labs: CmlLab[];
  readonly totalCount: number;
  readonly costEvents?: CostEventJson[];
}

const ORDER = [asc(workers.createdAt), asc(workers.id)];

export function createWorkerPages(db: Db): WorkerPages {
  // The pages of the whole fleet (no filter, no owner scope: what dashboards and the monitor read all the time),
  // built once and planned once per connection; filtered pages vary in shape and are built per request.
  // Their total is the trigger-kept worker_count, not a count(*) that scans the fleet on every page.
  const wholeFleetTotal = db.select({ total: workerCount.total }).from(workerCount);
  const wholeFleetColumns = {
    ...workerJsonSelection,
    totalCount: sql<number>`(${wholeFleetTotal})`.mapWith(Number),
  };
  const costedColumns = { ...wholeFleetColumns, costEvents: costEventsColumn(db, PREPARED_COST_WINDOW) };
  const afterPlaceholders = sql`(${workers.createdAt}, ${workers.id}) > (${sql.placeholder("afterAt")}::timestamptz, ${sql.placeholder("afterId")})`;
  const limit = sql.placeholder("limit");
  const firstPage = db
    .select(wholeFleetColumns)
    .from(workers)
    .orderBy(...ORDER)
    .limit(limit)
    .prepare("worker_page");
  const pageAfter = db
    .select(wholeFleetColumns)
    .from(workers)
    .where(afterPlaceholders)
    .orderBy(...ORDER)
    .limit(limit)
    .prepare("worker_page_after");
  const costedFirstPage = db
    .select(costedColumns)
    .from(workers)
    .orderBy(...ORDER)
    .limit(limit)
    .prepare("worker_page_costed");
  const costedPageAfter = db
    .select(costedColumns)
    .from(workers)
    .where(afterPlaceholders)
    .orderBy(...ORDER)
    .limit(limit)
    .prepare("worker_page_after_costed");

  async function page(
    filter: WorkerFilter,
    first: number,
    after: string | null,
    autoStopWindow: number | null,
  ): Promise<{ page: WorkerPage; rows: PageRow[] }> {
    if (!Number.isInteger(first) || first < 0) {
      throw new ValidationError("first", "must be a whole number, 0 or more");
    }
    const where = filterCondition(filter);
    const cursor = after === null ? null : decodeWorkerCursor(after);
    const window = autoStopWindow === null ? null : autoStopWindowValues(autoStopWindow);
    // The total rides on the page's statement (one round trip); only a page past the end needs its own count.
    const matching =
      where === undefined
        ? db.select({ count: workerCount.total }).from(workerCount)
        : db.select({ count: count() }).from(workers).where(where);
    let rows: PageRow[];
    if (where === undefined) {
      const values = {
        limit: first + 1,
        ...(cursor === null ? {} : { afterAt: cursor.createdAt.toISOString(), afterId: cursor.id }),
        ...window,
      };
      const statement =
        window === null
          ? cursor === null
            ? firstPage
            : pageAfter
          : cursor === null
            ? costedFirstPage
            : costedPageAfter;
      rows = await statement.execute(values);
    } else {
      const pageWhere =
        cursor === null
          ? where
          : and(
              where,
              sql`(${workers.createdAt}, ${workers.id}) > (${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id})`,
            );
      const columns = { ...workerJsonSelection, totalCount: sql<number>`(${matching})`.mapWith(Number) };
      rows =
        window === null
          ? await db
              .select(columns)
              .from(workers)
              .where(pageWhere)
              .orderBy(...ORDER)
              .limit(first + 1)
          : await db
              .select({ ...columns, costEvents: costEventsColumn(db, window) })
              .from(workers)
              .where(pageWhere)
              .orderBy(...ORDER)
              .limit(first + 1);
    }
    const totalCount = rows[0]?.totalCount ?? (cursor === null ? 0 : ((await matching)[0]?.count ?? 0));
    const kept = rows.slice(0, first);
    return {
      page: {
        workers: kept.map((row) => toWorker(fromWorkerJson(row.row, row.labs))),
        hasNextPage: rows.length > first,
        totalCount,
      },
      rows: kept,
    };
  }

  return {
    async list(filter, first, after) {
      return (await page(filter, first, after, null)).page;
    },
    async listWithCostInputs(filter, first, after, autoStopWindow) {
      const { page: found, rows } = await page(filter, first, after, autoStopWindow);
      const costInputs = new Map(
        rows.map((row) => [row.row.id, costInputsOfEvents(row.costEvents ?? [])] as const),
      );
      return { ...found, costInputs };
    },
  };
}

function filterCondition(filter: WorkerFilter): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  if (filter.region !== undefined) {
    conditions.push(eq(workers.region, filter.region));
  }
  if (filter.statuses !== undefined) {
    conditions.push(
      filter.statuses.length === 0 ? sql`false` : inArray(workers.status, [...filter.statuses]),
    );
  }
  const search = filter.search?.trim();
  if (search !== undefined && search !== "") {
    const pattern = containsPattern(search);
    conditions.push(
      or(
        ilike(workers.name, pattern),
        ilike(workers.instanceId, pattern),
        ilike(workers.publicIp, pattern),
        ilike(workers.privateIp, pattern),
      ),
    );
  }
  if (filter.owners !== undefined) {
    conditions.push(ownedBy(filter.owners));
  }
  if (filter.tag !== undefined) {
    conditions.push(sql`${workers.tags} @> ${JSON.stringify({ [filter.tag.key]: filter.tag.value })}::jsonb`);
  }
  return and(...conditions);
}
