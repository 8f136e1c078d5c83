import { cloudWatchErrors } from "./cloudwatch-error";
import { type CustomMetricStore, seriesKey } from "./custom-metric-store";
import {
  asObject,
  type JsonObject,
  optionalArray,
  optionalNumber,
  readDimensions,
  requiredList,
  requiredString,
} from "./json-input";

const MAX_DATUMS = 1000;
const MAX_DIMENSIONS = 30;

export function putMetricData(
  body: JsonObject,
  region: string,
  deps: {
    readonly customMetrics: CustomMetricStore;
    readonly now: () => number;
    /** Told of an accepted call and the series it put, for the billing counts. */
    readonly onPut: (seriesKeys: Iterable<string>) => void;
  },
): JsonObject {
  const namespace = requiredString(body, "Namespace");
  if (namespace.startsWith("AWS/")) {
    throw cloudWatchErrors.invalidParameter("The value AWS/ for parameter Namespace is invalid.");
  }
  const data = requiredList(body, "MetricData", MAX_DATUMS);
  const parsed = data.map((raw) => {
    const datum = asObject(raw, "MetricDatum");
    const dimensions = readDimensions(datum);
    if (dimensions.length > MAX_DIMENSIONS) {
      throw cloudWatchErrors.invalidParameter(`At most ${MAX_DIMENSIONS} dimensions are allowed per datum.`);
    }
    const values = optionalArray(datum, "Values").filter(
      (value): value is number => typeof value === "number",
    );
    const single = optionalNumber(datum, "Value");
    const statistics =
      datum.StatisticValues === undefined ? undefined : asObject(datum.StatisticValues, "StatisticValues");
    const statisticAverage =
      statistics === undefined
        ? []
        : [
            (optionalNumber(statistics, "Sum") ?? 0) /
              Math.max(1, optionalNumber(statistics, "SampleCount") ?? 1),
          ];
    const all = single !== undefined ? [single, ...values] : values.length > 0 ? values : statisticAverage;
    if (all.length === 0) {
      throw cloudWatchErrors.missingParameter("MetricData.member.Value");
    }
    return {
      name: requiredString(datum, "MetricName"),
      dimensions,
      at: optionalNumber(datum, "Timestamp") ?? deps.now() / 1000,
      values: all,
    };
  });
  for (const datum of parsed) {
    for (const value of datum.values) {
      deps.customMetrics.put(region, namespace, datum.name, datum.dimensions, datum.at, value);
    }
  }
  deps.onPut(new Set(parsed.map((datum) => seriesKey(region, namespace, datum.name, datum.dimensions))));
  return {};
}
