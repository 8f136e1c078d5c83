import { boolean, doublePrecision, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { identityId, instant } from "./columns";

/**
 * Time series of every sweep's figures per worker. Reads go by worker and
 * time (the btree); the retention delete goes by time alone, served by a BRIN
 * index, which stays tiny because rows arrive in time order.
 */
export const telemetrySamples = pgTable(
  "telemetry_samples",
  {
    id: identityId(),
    workerId: text().notNull(),
    sampledAt: instant().notNull(),
    cpuPercent: doublePrecision(),
    memoryPercent: doublePrecision(),
    networkInBytes: doublePrecision(),
    networkOutBytes: doublePrecision(),
    runningNodes: integer(),
    startedLabs: integer(),
    cmlReachable: boolean().notNull(),
    instanceStatusCheck: text(),
    systemStatusCheck: text(),
  },
  (t) => [
    index().on(t.workerId, t.sampledAt),
    index("telemetry_samples_sampled_at_brin").using("brin", t.sampledAt),
  ],
);

export type TelemetrySampleRow = typeof telemetrySamples.$inferSelect;
