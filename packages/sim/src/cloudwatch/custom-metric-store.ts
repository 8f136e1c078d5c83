import type { Statistic } from "./metric-synth";

interface Datum {
  /** Epoch seconds. */
  readonly at: number;
  readonly value: number;
}

/** Points kept per series and how far back: enough for dashboards and idle windows, bounded for 10,000 instances. */
const MAX_POINTS_PER_SERIES = 360;
const RETENTION_SECONDS = 3 * 60 * 60;

export type Dimensions = ReadonlyArray<{ readonly name: string; readonly value: string }>;

/** Metrics published with PutMetricData, per region, series keyed by namespace, name and dimensions. */
export class CustomMetricStore {
  private readonly series = new Map<string, Datum[]>();

  put(
    region: string,
    namespace: string,
    name: string,
    dimensions: Dimensions,
    at: number,
    value: number,
  ): void {
    const key = seriesKey(region, namespace, name, dimensions);
    let points = this.series.get(key);
    if (!points) {
      points = [];
      this.series.set(key, points);
    }
    points.push({ at, value });
    const cutoff = at - RETENTION_SECONDS;
    const firstKept = points.findIndex((point) => point.at >= cutoff);
    const dropOld = firstKept < 0 ? points.length : firstKept;
    const dropExcess = Math.max(0, points.length - MAX_POINTS_PER_SERIES);
    const drop = Math.max(dropOld, dropExcess);
    if (drop > 0) {
      points.splice(0, drop);
    }
  }

  /** One aggregated value per period in [start, end), periods aligned to `start`. */
  query(
    region: string,
    namespace: string,
    name: string,
    dimensions: Dimensions,
    window: { start: number; end: number; period: number },
    stat: Statistic,
  ): Array<{ at: number; value: number }> {
    const points = this.series.get(seriesKey(region, namespace, name, dimensions)) ?? [];
    const buckets = new Map<number, number[]>();
    for (const point of points) {
      if (point.at < window.start || point.at >= window.end) {
        continue;
      }
      const bucket = window.start + Math.floor((point.at - window.start) / window.period) * window.period;
      const values = buckets.get(bucket);
      if (values) {
        values.push(point.value);
      } else {
        buckets.set(bucket, [point.value]);
      }
    }
    return [...buckets].map(([at, values]) => ({ at, value: aggregate(values, stat) }));
  }
}

/** The identity of a series, which is also what CloudWatch bills a custom metric by. */
export function seriesKey(region: string, namespace: string, name: string, dimensions: Dimensions): string {
  const dims = [...dimensions]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((dimension) => `${dimension.name}=${dimension.value}`)
    .join(",");
  return `${region}|${namespace}|${name}|${dims}`;
}

function aggregate(values: readonly number[], stat: Statistic): number {
  switch (stat) {
    case "Sum":
      return values.reduce((sum, value) => sum + value, 0);
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "SampleCount":
      return values.length;
    case "Average":
      return values.reduce((sum, value) => sum + value, 0) / values.length;
  }
}
