import { userActor } from "@cml-fleet/core/domain/actor";
import {
  createMetricsHandler,
  type RunningMetricsServer,
  startMetricsServer,
} from "@cml-fleet/platform/observability/metrics-handler";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { capturingLogger } from "../../../platform/test/support/capturing-logger";
import { PATIENCE, useHarness } from "../support/fleet-harness";

const { logger, lines: logLines } = capturingLogger("info");

const observability = createObservability({ tracer: trace.getTracer("test") });
const fleet = useHarness("observability", { jobWorkers: false });
let metricsServer: RunningMetricsServer;

beforeAll(async () => {
  await fleet.startJobs({}, { logger, observability });
  metricsServer = await startMetricsServer(
    createMetricsHandler({ registry: observability.metrics.registry, logger }),
    { port: 0 },
  );
});

afterAll(async () => {
  await metricsServer?.close();
});

describe("a job process with observability", () => {
  it("shows a provisioning run in /metrics and in the logs", { timeout: 120_000 }, async () => {
    const worker = await fleet.createWorker("observed");
    const job = await fleet.queue.enqueue("provision", {
      workerId: worker.id,
      actor: userActor("u-1", "alice"),
    });
    await expect.poll(async () => (await fleet.queue.get(job.id))?.state, PATIENCE).toBe("COMPLETED");

    const text = await vi.waitFor(async () => {
      const body = await (await fetch(metricsServer.url)).text();
      expect(body).toContain('cml_fleet_jobs_total{queue="provision",outcome="completed"} 1');
      return body;
    }, PATIENCE);
    expect(text).toContain('cml_fleet_job_duration_seconds_count{queue="provision",outcome="completed"} 1');
    expect(text).toContain(
      'cml_fleet_upstream_calls_total{upstream="ec2",operation="RunInstances",outcome="ok"} 1',
    );
    expect(text).toMatch(
      /cml_fleet_upstream_calls_total\{upstream="cml",operation="GET \/system_information",outcome="ok"\} \d+/,
    );

    const run = logLines.filter((line) => line.jobId === job.id);
    expect(run[0]).toMatchObject({ msg: "job started", queue: "provision" });
    expect(run.at(-1)).toMatchObject({ msg: "job finished", outcome: "ok" });
    // The adapters log with their own loggers; the job's id still reaches their lines.
    expect(run.map((line) => line.msg)).toContain("launched instance");
  });
});
