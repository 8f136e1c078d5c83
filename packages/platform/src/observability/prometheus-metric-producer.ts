import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import type { Registry } from "prom-client";
import { TRACER_NAME } from "./tracing";

/** One sample of prom-client's JSON snapshot (`registry.getMetricsAsJSON()`). */
interface PromSample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly metricName?: string | undefined;
}

/** One metric of the snapshot; `type` is a string at run time ("counter", "gauge", "histogram", "summary"). */
interface PromMetric {
  readonly name: string;
  readonly help: string;
  readonly type: unknown;
  readonly values: readonly PromSample[];
}

export interface PrometheusMetricProducerOptions {
  readonly registry: Registry;
  readonly resource: Resource;
  /** Runs before each collection (the fleet gauges read the database here), as before a scrape. */
  readonly beforeCollect?: (() => Promise<void>) | undefined;
  /** The start of the cumulative sums and histograms (default: when the producer was made). */
  readonly startTime?: Date | undefined;
}

function hrTime(date: Date): HrTime {
  const millis = date.getTime();
  return [Math.floor(millis / 1000), (millis % 1000) * 1_000_000];
}

function attributesOf(labels: PromSample["labels"], without?: string): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key !== without && value !== undefined) {
      attributes[key] = String(value);
    }
  }
  return attributes;
}

/** A stable key for a label set (histogram samples are grouped by it, less `le`). */
function keyOf(attributes: Attributes): string {
  return JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface HistogramSeries {
  readonly attributes: Attributes;
  /** Cumulative counts by finite upper bound, as Prometheus has them. */
  readonly cumulative: Map<number, number>;
  sum: number;
  count: number;
}

/**
 * prom-client's cumulative `_bucket{le}` samples as OTel's histogram points:
 * the same finite bounds, a count per bucket (not cumulative) and the
 * overflow bucket from `_count`.
 */
function histogramPoints(metric: PromMetric, times: { start: HrTime; end: HrTime }): DataPoint<Histogram>[] {
  const series = new Map<string, HistogramSeries>();
  const seriesOf = (sample: PromSample): HistogramSeries => {
    const attributes = attributesOf(sample.labels, "le");
    const key = keyOf(attributes);
    const found = series.get(key);
    if (found !== undefined) {
      return found;
    }
    const made: HistogramSeries = { attributes, cumulative: new Map(), sum: 0, count: 0 };
    series.set(key, made);
    return made;
  };
  for (const sample of metric.values) {
    const one = seriesOf(sample);
    if (sample.metricName === `${metric.name}_sum`) {
      one.sum = sample.value;
    } else if (sample.metricName === `${metric.name}_count`) {
      one.count = sample.value;
    } else if (sample.metricName === `${metric.name}_bucket`) {
      const bound = Number(sample.labels.le);
      if (Number.isFinite(bound)) {
        one.cumulative.set(bound, sample.value);
      }
    }
  }
  return [...series.values()].map((one) => {
    const boundaries = [...one.cumulative.keys()].sort((a, b) => a - b);
    const counts: number[] = [];
    let below = 0;
    for (const bound of boundaries) {
      const upTo = one.cumulative.get(bound) ?? below;
      counts.push(upTo - below);
      below = upTo;
    }
    counts.push(one.count - below);
    return {
      startTime: times.start,
      endTime: times.end,
      attributes: one.attributes,
      value: { buckets: { boundaries, counts }, sum: one.sum, count: one.count },
    };
  });
}

function numberPoints(metric: PromMetric, times: { start: HrTime; end: HrTime }): DataPoint<number>[] {
  return metric.values.map((sample) => ({
    startTime: times.start,
    endTime: times.end,
    attributes: attributesOf(sample.labels),
    value: sample.value,
  }));
}

/**
 * One prom-client metric as OTel metric data under the same name: a counter
 * as a monotonic cumulative sum, a gauge as a gauge, a histogram as a
 * cumulative explicit-bucket histogram. Summaries (the fleet registers none)
 * have no OTel counterpart and are left out.
 */
export function toMetricData(metric: PromMetric, times: { start: HrTime; end: HrTime }): MetricData | null {
  const descriptor = { name: metric.name, description: metric.help, unit: "", valueType: ValueType.DOUBLE };
  switch (metric.type) {
    case "counter":
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: numberPoints(metric, times),
      };
    case "gauge":
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: numberPoints(metric, times),
      };
    case "histogram":
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histogramPoints(metric, times),
      };
    default:
      return null;
  }
}

/**
 * An OTel MetricProducer over a prom-client registry: each collection reads
 * the registry's snapshot, so what an OTLP exporter sends has the names,
 * labels and values a /metrics scrape shows at that moment.
 */
export function createPrometheusMetricProducer(options: PrometheusMetricProducerOptions): MetricProducer {
  const start = hrTime(options.startTime ?? new Date());
  return {
    async collect(): Promise<CollectionResult> {
      const errors: unknown[] = [];
      await options.beforeCollect?.().catch((error: unknown) => {
        errors.push(error);
      });
      const snapshot: PromMetric[] = await options.registry.getMetricsAsJSON();
      const times = { start, end: hrTime(new Date()) };
      const metrics = snapshot.flatMap((metric) => {
        const data = toMetricData(metric, times);
        // A labelled metric nothing has counted yet has no series: /metrics shows none either.
        return data === null || data.dataPoints.length === 0 ? [] : [data];
      });
      return {
        resourceMetrics: {
          resource: options.resource,
          scopeMetrics: [{ scope: { name: TRACER_NAME }, metrics }],
        },
        errors,
      };
    },
  };
}
