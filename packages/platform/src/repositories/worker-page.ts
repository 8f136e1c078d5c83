import type { CmlLab } from "@cml-fleet/core/domain/worker";
import { ValidationError } from "@cml-fleet/core/errors";
import type { WorkerFilter, WorkerPage } from "@cml-fleet/core/ports/worker-repository.port";
import { and, asc, count, eq, ilike, inArray, or, type Placeholder, type SQL, sql } from "drizzle-orm";
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
import { fromWorkerJson, type WorkerJsonRow, workerIdOf, workerJsonSelection } from "./worker-json-row";
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

/** How many page sizes get statements of their own (see statementsFor). */
const PAGE_SIZES_WITH_OWN_STATEMENTS = 8;

/**
 * A limit written into the statement's text rather than bound as a parameter.
 * drizzle writes a limit that is an object as SQL (`limit ${limit}`), though
 * its type admits only a number (bound) or a placeholder; `rows` is a whole
 * number the caller has checked, so the text is digits only.
 */
function literalLimit(rows: number): Placeholder {
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new RangeError(`a page limit must be a whole number, not ${rows}`);
  }
  return sql.raw(String(rows)) as unknown as Placeholder;
}

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
  const wholeFleetStatements = (limit: number | Placeholder, suffix: string) => ({
    firstPage: db
      .select(wholeFleetColumns)
      .from(workers)
      .orderBy(...ORDER)
      .limit(limit)
      .prepare(`worker_page${suffix}`),
    pageAfter: db
      .select(wholeFleetColumns)
      .from(workers)
      .where(afterPlaceholders)
      .orderBy(...ORDER)
      .limit(limit)
      .prepare(`worker_page_after${suffix}`),
    costedFirstPage: db
      .select(costedColumns)
      .from(workers)
      .orderBy(...ORDER)
      .limit(limit)
      .prepare(`worker_page_costed${suffix}`),
    costedPageAfter: db
      .select(costedColumns)
      .from(workers)
      .where(afterPlaceholders)
      .orderBy(...ORDER)
      .limit(limit)
      .prepare(`worker_page_after_costed${suffix}`),
  });
  type WholeFleetStatements = ReturnType<typeof wholeFleetStatements>;
  const anySize = wholeFleetStatements(sql.placeholder("limit"), "");
  const bySize = new Map<number, WholeFleetStatements>();
  // A page size's own statements carry its limit as a literal. With the limit a parameter, Postgres never keeps
  // a generic plan for them (it prices `limit $n` at a tenth of the table, far above any custom plan), so it
  // planned the statement again on every page: a third of the server's time for a page of 20 (0.87 -> 0.55 ms
  // of backend CPU measured). The first few sizes a process sees get their own statements (a client uses one
  // or two); any further size shares the parameterised ones, so the statements a connection keeps stay bounded.
  const statementsFor = (limit: number): WholeFleetStatements => {
    const found = bySize.get(limit);
    if (found !== undefined) {
      return found;
    }
    if (bySize.size >= PAGE_SIZES_WITH_OWN_STATEMENTS) {
      return anySize;
    }
    const created = wholeFleetStatements(literalLimit(limit), `_${limit}`);
    bySize.set(limit, created);
    return created;
  };

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
    // Built only where used: the whole fleet's prepared pages need neither query builder.
    const matching = () =>
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
      const statements = statementsFor(first + 1);
      const statement =
        window === null
          ? cursor === null
            ? statements.firstPage
            : statements.pageAfter
          : cursor === null
            ? statements.costedFirstPage
            : statements.costedPageAfter;
      rows = await statement.execute(values);
    } else {
      const pageWhere =
        cursor === null
          ? where
          : and(
              where,
              sql`(${workers.createdAt}, ${workers.id}) > (${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id})`,
            );
      const columns = { ...workerJsonSelection, totalCount: sql<number>`(${matching()})`.mapWith(Number) };
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
    const totalCount = rows[0]?.totalCount ?? (cursor === null ? 0 : ((await matching())[0]?.count ?? 0));
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
        rows.map((row) => [workerIdOf(row.row), costInputsOfEvents(row.costEvents ?? [])] as const),
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
