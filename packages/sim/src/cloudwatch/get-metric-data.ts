import type { SimState } from "../state/sim-state";
import { cloudWatchErrors } from "./cloudwatch-error";
import type { CustomMetricStore } from "./custom-metric-store";
import {
  asObject,
  type JsonObject,
  optionalNumber,
  readDimensions,
  requiredList,
  requiredString,
  requiredTimestamp,
} from "./json-input";
import { type LoadSource, type Statistic, SYNTHETIC_METRICS, syntheticValue } from "./metric-synth";

const MAX_QUERIES = 500;
/** Most recent periods returned per query; older ones are cut and the result marked PartialData. */
const MAX_PERIODS_PER_QUERY = 1440;
const STATISTICS = new Set<string>(["Average", "Sum", "Minimum", "Maximum", "SampleCount"]);
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

export interface MetricDeps {
  readonly state: SimState;
  readonly customMetrics: CustomMetricStore;
  readonly loadOf: LoadSource;
}

interface MetricQuery {
  readonly id: string;
  readonly label: string | undefined;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Array<{ name: string; value: string }>;
  readonly period: number;
  readonly stat: Statistic;
  readonly returnData: boolean;
}

export function getMetricData(body: JsonObject, region: string, deps: MetricDeps): JsonObject {
  const rawQueries = requiredList(body, "MetricDataQueries", MAX_QUERIES);
  const start = requiredTimestamp(body, "StartTime");
  const end = requiredTimestamp(body, "EndTime");
  if (start >= end) {
    throw cloudWatchErrors.validation("The parameter StartTime must be less than the parameter EndTime.");
  }
  const ascending = body.ScanBy === "TimestampAscending";
  const queries = rawQueries.map(parseQuery);
  const ids = new Set<string>();
  for (const query of queries) {
    if (ids.has(query.id)) {
      throw cloudWatchErrors.validation(`The value ${query.id} for field Id must be unique.`);
    }
    ids.add(query.id);
  }
  const results = queries
    .filter((query) => query.returnData)
    .map((query) => {
      const { points, partial } = evaluate(query, region, start, end, deps);
      points.sort((a, b) => (ascending ? a.at - b.at : b.at - a.at));
      return {
        Id: query.id,
        Label: query.label ?? query.metricName,
        Timestamps: points.map((point) => point.at),
        Values: points.map((point) => point.value),
        StatusCode: partial ? "PartialData" : "Complete",
      };
    });
  // AWS bills every metric a call requests, those with ReturnData false included, once the call is answered.
  deps.state.stats.metricsAnswered(queries.length);
  return { MetricDataResults: results, Messages: [] };
}

function parseQuery(raw: unknown): MetricQuery {
  const query = asObject(raw, "MetricDataQuery");
  const id = requiredString(query, "Id");
  if (!QUERY_ID.test(id)) {
    throw cloudWatchErrors.validation(
      `The value ${id} for parameter MetricDataQueries.member.Id is invalid: it must start with a lowercase letter and contain only letters, digits and underscores.`,
    );
  }
  if (query.Expression !== undefined) {
    throw cloudWatchErrors.validation("Metric math expressions are not supported by the simulator.");
  }
  if (query.MetricStat === undefined) {
    throw cloudWatchErrors.validation(`The query ${id} must have a MetricStat or an Expression.`);
  }
  const metricStat = asObject(query.MetricStat, "MetricStat");
  const metric = asObject(metricStat.Metric, "Metric");
  const period = optionalNumber(metricStat, "Period");
  if (
    period === undefined ||
    !Number.isInteger(period) ||
    period < 1 ||
    (period >= 60 && period % 60 !== 0)
  ) {
    throw cloudWatchErrors.validation(
      `The parameter Period must be 1, 5, 10, 30 or a multiple of 60 (query ${id}).`,
    );
  }
  const stat = requiredString(metricStat, "Stat");
  if (!STATISTICS.has(stat)) {
    throw cloudWatchErrors.invalidParameter(
      `The simulator supports the statistics ${[...STATISTICS].join(", ")}; got ${stat}.`,
    );
  }
  return {
    id,
    label: typeof query.Label === "string" ? query.Label : undefined,
    namespace: requiredString(metric, "Namespace"),
    metricName: requiredString(metric, "MetricName"),
    dimensions: readDimensions(metric),
    period,
    stat: stat as Statistic,
    returnData: query.ReturnData !== false,
  };
}

function evaluate(
  query: MetricQuery,
  region: string,
  start: number,
  end: number,
  deps: MetricDeps,
): { points: Array<{ at: number; value: number }>; partial: boolean } {
  const key = `${query.namespace}|${query.metricName}`;
  if (!SYNTHETIC_METRICS.has(key)) {
    const points = deps.customMetrics.query(
      region,
      query.namespace,
      query.metricName,
      query.dimensions,
      { start, end, period: query.period },
      query.stat,
    );
    return { points, partial: false };
  }
  const instanceId = query.dimensions.find((dimension) => dimension.name === "InstanceId")?.value;
  const instance = instanceId === undefined ? undefined : deps.state.store.get(instanceId);
  if (
    !instance ||
    instance.region !== region ||
    instance.state !== "running" ||
    instance.runningSince === null
  ) {
    return { points: [], partial: false };
  }
  // Only periods that overlap the current running interval and have begun have data; a stopped instance has none.
  const runningSince = instance.runningSince / 1000;
  const now = deps.state.now() / 1000;
  let firstPeriod = Math.floor(Math.max(start, runningSince - query.period) / query.period) * query.period;
  if (firstPeriod + query.period <= runningSince) {
    firstPeriod += query.period;
  }
  const last = Math.min(end, now);
  let partial = false;
  if ((last - firstPeriod) / query.period > MAX_PERIODS_PER_QUERY) {
    firstPeriod = Math.ceil((last - MAX_PERIODS_PER_QUERY * query.period) / query.period) * query.period;
    partial = true;
  }
  const load = deps.loadOf(instance);
  const points: Array<{ at: number; value: number }> = [];
  for (let at = firstPeriod; at < last; at += query.period) {
    points.push({ at, value: syntheticValue(instance, load, key, at, query.period, query.stat) });
  }
  return { points, partial };
}
