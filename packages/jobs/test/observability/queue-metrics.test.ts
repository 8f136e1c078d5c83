import { JOB_KINDS } from "@cml-fleet/core/domain/job";
import {
  createMetricsHandler,
  type RunningMetricsServer,
  startMetricsServer,
} from "@cml-fleet/platform/observability/metrics-handler";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../platform/src/observability/logger";
import { PATIENCE, useHarness } from "../support/fleet-harness";

const observability = createObservability({ tracer: trace.getTracer("test") });
const fleet = useHarness("queue-metrics", { jobWorkers: false });
let metricsServer: RunningMetricsServer;

/** The value of one sample line of the exposition, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = async () => (await fetch(metricsServer.url)).text();

beforeAll(async () => {
  // Every queue but reconcile's is served, so a reconcile added waits for good.
  const running = await fleet.startJobs(
    { kinds: JOB_KINDS.filter((kind) => kind !== "reconcile") },
    { observability },
  );
  // As run-job-process.ts serves it: the queue gauges read from Redis before each scrape.
  metricsServer = await startMetricsServer(
    createMetricsHandler({
      registry: observability.metrics.registry,
      beforeScrape: running.refreshQueueGauges,
      logger: silentLogger,
    }),
    { port: 0 },
  );
});

afterAll(async () => {
  await metricsServer?.close();
});

describe("queue visibility on a job process's own /metrics", () => {
  it("observes how long each job taken waited, per kind, and its run time", {
    timeout: 120_000,
  }, async () => {
    const first = await fleet.queue.enqueue("idle-check", {});
    await expect.poll(async () => (await fleet.queue.get(first.id))?.state, PATIENCE).toBe("COMPLETED");
    const second = await fleet.queue.enqueue("price-refresh", {});
    await expect.poll(async () => (await fleet.queue.get(second.id))?.state, PATIENCE).toBe("COMPLETED");

    const text = await vi.waitFor(async () => {
      const body = await scrape();
      expect(sample(body, 'cml_fleet_job_wait_seconds_count{kind="price-refresh"}')).toBe(1);
      return body;
    }, PATIENCE);
    expect(sample(text, 'cml_fleet_job_wait_seconds_count{kind="idle-check"}')).toBe(1);
    expect(sample(text, 'cml_fleet_job_wait_seconds_bucket{le="+Inf",kind="idle-check"}')).toBe(1);
    expect(sample(text, 'cml_fleet_job_wait_seconds_sum{kind="idle-check"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'cml_fleet_job_duration_seconds_count{queue="idle-check",outcome="completed"}')).toBe(
      1,
    );
    // Nothing waits in the queues served: depth 0, and no oldest waiting job.
    expect(sample(text, 'cml_fleet_queue_jobs{kind="idle-check",state="waiting"}')).toBe(0);
    expect(sample(text, 'cml_fleet_queue_jobs{kind="idle-check",state="active"}')).toBe(0);
    expect(sample(text, 'cml_fleet_queue_oldest_waiting_seconds{kind="idle-check"}')).toBe(0);
    // This process's heartbeat counts it.
    expect(sample(text, "cml_fleet_job_processes")).toBe(1);
  });

  it("shows a job no process takes as waiting, growing older, and not as a wait observed", async () => {
    await fleet.queue.enqueue("reconcile", {});
    const text = await vi.waitFor(async () => {
      const body = await scrape();
      expect(sample(body, 'cml_fleet_queue_jobs{kind="reconcile",state="waiting"}')).toBe(1);
      expect(sample(body, 'cml_fleet_queue_oldest_waiting_seconds{kind="reconcile"}')).toBeGreaterThan(0);
      return body;
    }, PATIENCE);
    expect(text).not.toContain('cml_fleet_job_wait_seconds_count{kind="reconcile"}');
  });
});
