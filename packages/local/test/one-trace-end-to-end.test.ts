import { type ApiApp, createApiApp } from "@cml-fleet/api/app";
import { type RunningApiServer, startApiServer } from "@cml-fleet/api/http/server";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { startTracingFromEnvironment, type Tracing } from "@cml-fleet/platform/observability/tracing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { graphqlCaller } from "../../api/test/graphql/support/graphql-client";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { type ChildJobProcess, spawnJobProcess } from "../../jobs/test/support/job-process-child";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "../../platform/test/support/otlp-receiver";

const ADMIN = "cmlf_trace-admin-token-0123456789abcdef01234567";
/** The buckets of every fleet histogram (fleet-metrics.ts), as /metrics shows them. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

interface JobLogLine {
  readonly msg?: string;
  readonly jobId?: string;
  readonly trace_id?: string;
  readonly span_id?: string;
}

/** The spans from `span` up to its trace's root, as far as the receiver has them. */
function ancestry(spans: readonly ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const chain = [span];
  let current = span;
  for (;;) {
    const parent = spans.find(
      (one) => one.traceId === current.traceId && one.spanId === current.parentSpanId,
    );
    if (parent === undefined || chain.includes(parent)) {
      return chain;
    }
    chain.push(parent);
    current = parent;
  }
}

describe("one trace from a createWorker request to the AWS calls of its job (OTLP over HTTP)", () => {
  const fleet = useHarness("one-trace", { jobWorkers: false, env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN } });
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let app: ApiApp;
  let server: RunningApiServer;
  let jobs: ChildJobProcess;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The API in this process, exporting its spans as `pnpm start` would with the endpoint set.
    tracing = startTracingFromEnvironment(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
      "trace-test-api",
    );
    app = await createApiApp({
      settings: fleet.settings,
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
      observability: createObservability({ tracer: tracing.tracer }),
    });
    server = await startApiServer(app.deps, { port: 0 });
    // The job process's real main in a process of its own: the trace crosses Redis, not memory.
    jobs = spawnJobProcess({
      ...fleet.env,
      CML_FLEET_TEST_DB_SCHEMA: fleet.testDb.schema,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: "trace-test-jobs",
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_METRIC_EXPORT_INTERVAL: "500",
      LOG_LEVEL: "info",
    });
  }, 120_000);

  // Before the harness closes (after hooks run last registered first).
  afterAll(async () => {
    await jobs?.terminate();
    await server?.close();
    await app?.close();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it("holds the mutation's span, the provision job's span and its RunInstances call, parent to child", {
    timeout: 180_000,
  }, async () => {
    const call = graphqlCaller(server.url, ADMIN);
    const created = await call<{ createWorker: { worker: { id: string }; job: { id: string } | null } }>(
      `mutation CreateTraced { createWorker(input: { name: "traced", region: "us-east-1" }) { worker { id } job { id } } }`,
    );
    const jobId = created.createWorker.job?.id ?? expect.unreachable("createWorker enqueued no job");
    await vi.waitFor(
      async () => {
        const state = (await fleet.queue.get(jobId))?.state;
        if (state !== "COMPLETED") {
          throw new Error(`job ${jobId} is ${state}; the job process wrote:\n${jobs.output().slice(-4000)}`);
        }
      },
      { ...PATIENCE, timeout: 120_000 },
    );

    const diagnose = () =>
      `spans: ${JSON.stringify(receiver.spans.map((span) => [span.service, span.name, span.traceId, span.spanId, span.parentSpanId]))}\nrejected: ${receiver.rejected.join("\n")}\n${jobs.output().slice(-4000)}`;
    const found = await vi.waitFor(
      () => {
        const request = receiver.spans.find((span) => span.name === "graphql.mutation CreateTraced");
        const job = receiver.spans.find(
          (span) => span.name === "job provision" && span.attributes["messaging.message.id"] === jobId,
        );
        const launch = receiver.spans.find(
          (span) => span.name === "ec2 RunInstances" && span.traceId === job?.traceId,
        );
        if (request === undefined || job === undefined || launch === undefined) {
          throw new Error(`not all spans arrived yet\n${diagnose()}`);
        }
        return { request, job, launch };
      },
      { ...PATIENCE, timeout: 30_000 },
    );
    const { request, job, launch } = found;

    expect(request.service).toBe("trace-test-api");
    expect(job.service).toBe("trace-test-jobs");
    // One trace: the AWS call under the job, the job under the request that enqueued it.
    expect(job.traceId, diagnose()).toBe(request.traceId);
    expect(launch.traceId).toBe(request.traceId);
    const chain = ancestry(receiver.spans, launch).map((span) => span.name);
    expect(chain[0]).toBe("ec2 RunInstances");
    expect(chain).toContain("job provision");
    expect(chain.at(-1)).toBe("graphql.mutation CreateTraced");
    expect(job.parentSpanId).toBe(request.spanId);
    // The job's CML calls are in the same trace too.
    expect(
      receiver.spans.some((span) => span.traceId === request.traceId && span.name.startsWith("cml ")),
    ).toBe(true);

    // The job process's log lines of that job lead to the same trace.
    const lines = jobs
      .output()
      .split("\n")
      .flatMap((line): JobLogLine[] => {
        try {
          return [JSON.parse(line) as JobLogLine];
        } catch {
          return [];
        }
      })
      .filter((line) => line.jobId === jobId);
    const started = lines.find((line) => line.msg === "job started");
    expect(started?.trace_id).toBe(request.traceId);
    expect(started?.span_id).toBe(job.spanId);
    expect(lines.every((line) => line.trace_id === request.traceId)).toBe(true);
  });

  it("pushes the job process's metrics over OTLP under the /metrics names, histograms with their buckets", {
    timeout: 60_000,
  }, async () => {
    const metrics = await vi.waitFor(
      () => {
        const fromJobs = receiver.metrics.filter((metric) => metric.service === "trace-test-jobs");
        const jobsTotal = fromJobs.findLast((metric) => metric.name === "cml_fleet_jobs_total");
        const completed = jobsTotal?.points.find(
          (point) => point.attributes.queue === "provision" && point.attributes.outcome === "completed",
        );
        const duration = fromJobs.findLast((metric) => metric.name === "cml_fleet_job_duration_seconds");
        if (completed === undefined || duration === undefined) {
          throw new Error(
            `no job metrics yet: ${JSON.stringify(fromJobs.map((metric) => metric.name))} ${receiver.rejected.join("\n")}`,
          );
        }
        return { jobsTotal, completed, duration };
      },
      { ...PATIENCE, timeout: 30_000 },
    );
    expect(metrics.jobsTotal?.kind).toBe("sum");
    expect(metrics.jobsTotal?.isMonotonic).toBe(true);
    expect(metrics.completed.value).toBe(1);

    expect(metrics.duration.kind).toBe("histogram");
    const point = metrics.duration.points.find(
      (one) => one.attributes.queue === "provision" && one.attributes.outcome === "completed",
    );
    expect(point?.explicitBounds).toEqual(DURATION_BUCKETS);
    expect(point?.count).toBe(1);
    // One bucket per bound and the overflow one; the single run sits in exactly one.
    expect(point?.bucketCounts).toHaveLength(DURATION_BUCKETS.length + 1);
    expect(point?.bucketCounts?.reduce((sum, count) => sum + count, 0)).toBe(1);

    // The upstream calls and process metrics come along, under the names /metrics uses.
    const names = new Set(receiver.metrics.map((metric) => metric.name));
    expect(names).toContain("cml_fleet_upstream_calls_total");
    expect(names).toContain("process_cpu_seconds_total");
  });
});
