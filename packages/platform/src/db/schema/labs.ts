import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { instant } from "./columns";

/**
 * The labs last seen on each worker's CML. Kept apart from `workers` so the
 * telemetry sweep can replace them without taking part in the worker's
 * optimistic versioning (an operator's change never conflicts with a sweep).
 * No foreign key: see fleetEvents in events.ts.
 */
export const workerLabs = pgTable(
  "worker_labs",
  {
    workerId: text().notNull(),
    labId: text().notNull(),
    title: text().notNull(),
    state: text().notNull(),
    // As CML counts them; null when it did not say.
    nodeCount: integer(),
    // Keeps the order the CML API listed the labs in.
    position: integer().notNull(),
    seenAt: instant().notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workerId, t.labId] })],
);
