import type {
  MonitoringUsageReader,
  MonitoringUsageRecorder,
  MonitoringUsageTally,
} from "@cml-fleet/core/ports/monitoring-usage.port";
import type { Redis } from "ioredis";

const HOUR_MS = 3_600_000;
/** Hours of counts kept and projected from: a day smooths what varies by the hour (sweeps, publishing periods). */
export const MONITORING_USAGE_WINDOW_HOURS = 24;

export interface RedisMonitoringUsageOptions {
  readonly windowHours?: number | undefined;
  /** Milliseconds since the epoch (tests pass their own). */
  readonly now?: (() => number) | undefined;
}

/**
 * The billable CloudWatch units every process spends, counted in Redis per
 * hour (`<prefix>monitoring-usage:<hour>`, a hash of counters, and a
 * HyperLogLog of the custom series written to), each hour kept for the
 * window and an hour more. `since` remembers when counting began, so a fleet
 * started an hour ago projects from that hour, not from a day of zeros.
 */
export function createRedisMonitoringUsage(
  redis: Redis,
  keyPrefix: string,
  options: RedisMonitoringUsageOptions = {},
): MonitoringUsageRecorder & MonitoringUsageReader {
  const windowHours = options.windowHours ?? MONITORING_USAGE_WINDOW_HOURS;
  const now = options.now ?? (() => Date.now());
  const countsKey = (hour: number) => `${keyPrefix}monitoring-usage:${hour}`;
  const seriesKey = (hour: number) => `${keyPrefix}monitoring-usage:series:${hour}`;
  const sinceKey = `${keyPrefix}monitoring-usage:since`;
  const keepSeconds = (windowHours + 1) * 3600;

  return {
    async record(target, usage) {
      const at = now();
      const hour = Math.floor(at / HOUR_MS);
      const pipeline = redis.multi();
      if (usage.metricsRequested !== undefined && usage.metricsRequested > 0) {
        pipeline.hincrby(countsKey(hour), "metricsRequested", usage.metricsRequested);
      }
      if (usage.putMetricDataRequests !== undefined && usage.putMetricDataRequests > 0) {
        pipeline.hincrby(countsKey(hour), "putMetricDataRequests", usage.putMetricDataRequests);
      }
      pipeline.expire(countsKey(hour), keepSeconds);
      if (usage.customSeries !== undefined && usage.customSeries.length > 0) {
        // A series is billed in the account and region it is written to.
        const series = usage.customSeries.map((name) => `${target.accountId}/${target.region}/${name}`);
        pipeline.pfadd(seriesKey(hour), ...series);
        pipeline.expire(seriesKey(hour), keepSeconds);
      }
      pipeline.set(sinceKey, String(at), "NX");
      await pipeline.exec();
    },

    async tally(): Promise<MonitoringUsageTally> {
      const at = now();
      const current = Math.floor(at / HOUR_MS);
      const hours = Array.from({ length: windowHours }, (_, index) => current - windowHours + 1 + index);
      const pipeline = redis.multi();
      for (const hour of hours) {
        pipeline.hmget(countsKey(hour), "metricsRequested", "putMetricDataRequests");
      }
      pipeline.pfcount(...hours.map(seriesKey));
      pipeline.get(sinceKey);
      const replies = (await pipeline.exec()) ?? [];
      let metricsRequested = 0;
      let putMetricDataRequests = 0;
      for (const [, reply] of replies.slice(0, hours.length)) {
        const [metrics, puts] = Array.isArray(reply) ? reply : [];
        metricsRequested += Number(metrics ?? 0);
        putMetricDataRequests += Number(puts ?? 0);
      }
      const customMetricSeries = Number(replies[hours.length]?.[1] ?? 0);
      const since = Number(replies[hours.length + 1]?.[1] ?? Number.NaN);
      const windowStart = (hours[0] ?? current) * HOUR_MS;
      const coveredMs = Number.isFinite(since) ? Math.max(0, at - Math.max(since, windowStart)) : 0;
      return { metricsRequested, putMetricDataRequests, customMetricSeries, coveredMs };
    },
  };
}
