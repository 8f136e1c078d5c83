import type {
  FleetMetricTotals,
  FleetMetricTotalsReader,
} from "@cml-fleet/core/ports/fleet-metric-totals.port";
import { and, asc, count, eq, isNotNull, ne, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { workers } from "../db/schema/workers";

const running = eq(workers.status, "RUNNING");
const reachable = and(running, sql`(${workers.telemetry} ->> 'cmlReachable')::boolean`);
/** A figure of the reachable workers' stored telemetry, summed (a worker without it adds 0). */
const summedFigure = (figure: "runningNodes" | "startedLabs") =>
  sql<number>`coalesce(sum(case when ${reachable} then (${workers.telemetry} ->> ${figure})::bigint end), 0)`.mapWith(
    Number,
  );

/**
 * The custom metrics' fleet totals in one aggregate statement over the
 * workers table, grouped by account and region: its cost follows the number
 * of regions, and nothing about each worker leaves Postgres.
 */
export function createFleetMetricTotals(db: Db): FleetMetricTotalsReader {
  return {
    async fleetMetricTotals(): Promise<FleetMetricTotals[]> {
      return db
        .select({
          accountId: workers.accountId,
          region: workers.region,
          workersRunning: count(sql`case when ${running} then 1 end`),
          workersCmlReachable: count(sql`case when ${reachable} then 1 end`),
          runningNodes: summedFigure("runningNodes"),
          startedLabs: summedFigure("startedLabs"),
          workersLicensed: count(
            sql`case when ${and(running, eq(workers.licenseStatus, "REGISTERED"))} then 1 end`,
          ),
          workersIdle: count(sql`case when ${and(running, isNotNull(workers.idleSince))} then 1 end`),
        })
        .from(workers)
        .where(ne(workers.status, "TERMINATED"))
        .groupBy(workers.accountId, workers.region)
        .orderBy(asc(workers.accountId), asc(workers.region));
    },
  };
}
