import { sql } from "drizzle-orm";
import { bigint, boolean, check, pgTable } from "drizzle-orm/pg-core";

/**
 * The number of rows in `workers`, one row kept exact by statement triggers
 * on `workers` (insert, delete, truncate; migration 0013): the unfiltered
 * page's `totalCount` reads it instead of counting the whole fleet on every
 * request (a `count(*)` over 10,000 workers is a sequential scan of about
 * 5 ms). It moves in the writing transaction, so a reader's statement sees
 * the count and the rows of one snapshot, as `count(*)` did.
 */
export const workerCount = pgTable(
  "worker_count",
  {
    // One row: the key can only be true.
    id: boolean().primaryKey().default(true),
    total: bigint({ mode: "number" }).notNull(),
  },
  (t) => [check("worker_count_single_row", sql`${t.id}`)],
);
