import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type ApiApp, createApiApp } from "@cml-fleet/api/app";
import { type RunningApiServer, startApiServer } from "@cml-fleet/api/http/server";
import { JOB_KIND_TABLE, SWEEP_KINDS } from "@cml-fleet/core/domain/job";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import {
  createMetricsHandler,
  type RunningMetricsServer,
  startMetricsServer,
} from "@cml-fleet/platform/observability/metrics-handler";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { startTracing } from "@cml-fleet/platform/observability/tracing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type GraphqlCall, graphqlCaller, workerById } from "../../api/test/graphql/support/graphql-client";
import type { ScheduleIntervals } from "../../jobs/src/runtime/schedulers";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import {
  dashboardExpressions,
  type Exposition,
  exposition,
  metricNamesIn,
  ruleExpressions,
  undeclaredSeries,
  unsampledSeries,
} from "./support/deploy-series";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const DASHBOARD = "deploy/grafana/dashboards/cml-fleet.json";
const ALERTS = "deploy/prometheus/alerts.yml";
const ADMIN = "cmlf_deploy-series-admin-token-0123456789abcdef";

/** Series Prometheus makes itself for every target; no /metrics has them. */
const MADE_BY_PROMETHEUS: ReadonlySet<string> = new Set(["up"]);

/**
 * Series that only get a sample once something goes wrong (a failed upstream call, a stalled job, a
 * late scheduled start, a GraphQL error): a healthy fleet declares them and nothing more.
 */
const ONLY_ON_TROUBLE: readonly string[] = [
  "cml_fleet_upstream_call_errors_total",
  "cml_fleet_jobs_stalled_total",
  "cml_fleet_schedule_late_starts_total",
  "cml_fleet_graphql_errors_total",
];

const expressions = new Map([...dashboardExpressions(DASHBOARD), ...ruleExpressions(ALERTS)]);

describe("deploy/: the series the dashboard and the alert rules name", () => {
  it("finds the metric names in PromQL, and a name no process exposes is reported with where it is", () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (queue, le) (rate(cml_fleet_job_duration_seconds_bucket{queue=~"a|b"}[10m])))',
      ),
    ).toEqual(["cml_fleet_job_duration_seconds_bucket"]);
    expect(
      metricNamesIn(
        "time() - max by (kind) (cml_fleet_sweep_last_run_timestamp_seconds) > 3 * max by (kind) (cml_fleet_sweep_interval_seconds)",
      ),
    ).toEqual(["cml_fleet_sweep_last_run_timestamp_seconds", "cml_fleet_sweep_interval_seconds"]);
    expect(metricNamesIn("count(min by (kind) (x_present) == 0) or vector(0) offset 5m")).toEqual([
      "x_present",
    ]);

    // The same check the deployed files go through, on a rule with a misspelt name.
    const exposed: Exposition = exposition(
      '# TYPE cml_fleet_jobs_total counter\ncml_fleet_jobs_total{queue="a",outcome="failed"} 1\n' +
        '# TYPE cml_fleet_job_duration_seconds histogram\ncml_fleet_job_duration_seconds_bucket{le="1"} 1\n' +
        "cml_fleet_job_duration_seconds_count 1\n",
    );
    const bad = new Map([
      ["rule A", 'sum by (queue) (increase(cml_fleet_jobs_total{outcome="failed"}[30m])) > 3'],
      [
        "rule B",
        "sum(rate(cml_fleet_job_failures_total[5m])) / sum(rate(cml_fleet_job_duration_seconds_count[5m]))",
      ],
    ]);
    expect(undeclaredSeries(bad, exposed, MADE_BY_PROMETHEUS)).toEqual([
      "cml_fleet_job_failures_total (rule B)",
    ]);
    expect(unsampledSeries(bad, exposed, MADE_BY_PROMETHEUS)).toEqual(["cml_fleet_job_failures_total"]);
  });

  it("reads expressions from every panel and every rule", () => {
    expect(dashboardExpressions(DASHBOARD).size).toBeGreaterThan(30);
    expect(ruleExpressions(ALERTS).size).toBeGreaterThan(10);
  });

  it.runIf(spawnSync("promtool", ["--version"]).status === 0)(
    "passes promtool's checks of the rules and the scrape config, and the rules' unit tests (alerts.test.yml)",
    () => {
      for (const args of [
        ["check", "rules", ALERTS],
        ["check", "config", "deploy/prometheus/prometheus.yml"],
        ["test", "rules", "deploy/prometheus/alerts.test.yml"],
      ]) {
        const check = spawnSync("promtool", args, { cwd: ROOT, encoding: "utf8" });
        expect(`${check.stdout}${check.stderr}`).toContain("SUCCESS");
        expect(check.status).toBe(0);
      }
    },
  );
});

describe("deploy/'s series in the /metrics of a running API and job process (Postgres, Redis, simulator)", () => {
  // Every sweep on a schedule (their first runs start at once), so their series exist too.
  const hourly = Object.fromEntries(
    SWEEP_KINDS.map((kind) => [JOB_KIND_TABLE[kind].sweep.every, 3_600_000]),
  ) as unknown as ScheduleIntervals;
  const fleet = useHarness("deploy-series", { jobWorkers: false, env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN } });
  // Tracing off (no exporter): the processes' tracer is a no-op, their metrics are what this reads.
  const { tracer } = startTracing({ serviceName: "deploy-series", exporter: null });
  const apiObservability = createObservability({ tracer, processMetrics: true });
  const jobsObservability = createObservability({ tracer, processMetrics: true });
  let app: ApiApp;
  let server: RunningApiServer;
  let jobsMetrics: RunningMetricsServer;
  let call: GraphqlCall;
  let exposed: Exposition;

  beforeAll(async () => {
    app = await createApiApp({
      settings: fleet.settings,
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
      observability: apiObservability,
    });
    server = await startApiServer(app.deps, { port: 0 });
    call = graphqlCaller(server.url, ADMIN);
    // A job process as its main starts one: its own registry, /metrics on a port of its own.
    await fleet.startJobs({ schedules: hourly }, { observability: jobsObservability });
    jobsMetrics = await startMetricsServer(
      createMetricsHandler({ registry: jobsObservability.metrics.registry, logger: silentLogger }),
      { port: 0 },
    );

    // A worker and its jobs: provisioning's AWS and CML calls, the GraphQL request that asked for it.
    const created = await call<{ createWorker: { worker: { id: string } } }>(
      `mutation { createWorker(input: { name: "series", region: "us-east-1" }) { worker { id } } }`,
    );
    await vi.waitFor(async () => {
      const worker = await workerById<{ serviceStatus: string }>(
        call,
        created.createWorker.worker.id,
        "serviceStatus",
      );
      expect(worker?.serviceStatus).toBe("AVAILABLE");
    }, PATIENCE);
    const apiText = async () => (await fetch(new URL("/metrics", server.url))).text();
    // The sweeps' first runs have finished, and the job process's heartbeat is counted.
    await vi.waitFor(async () => {
      const text = await apiText();
      for (const kind of SWEEP_KINDS) {
        expect(text).toContain(`cml_fleet_sweep_last_run_timestamp_seconds{kind="${kind}"}`);
      }
      expect(text).toContain("cml_fleet_job_processes 1");
    }, PATIENCE);
    // A telemetry sweep with the worker in it, so a shard's duration has a sample (the scheduled one ran before it).
    const sweep = await fleet.queue.enqueue("telemetry-sweep", {});
    expect(await fleet.queue.waitForResult(sweep.id, 60_000)).toMatchObject({ shards: 1 });
    exposed = exposition(await apiText(), await (await fetch(jobsMetrics.url)).text());
  }, 180_000);

  afterAll(async () => {
    await jobsMetrics?.close();
    await server?.close();
    await app?.close();
  });

  it("declares every name the dashboard and the alert rules reference", () => {
    expect(undeclaredSeries(expressions, exposed, MADE_BY_PROMETHEUS)).toEqual([]);
  });

  it("has a sample of each, but for the series only trouble makes", () => {
    expect(unsampledSeries(expressions, exposed, MADE_BY_PROMETHEUS).sort()).toEqual(
      ONLY_ON_TROUBLE.filter((name) => !exposed.sampled.has(name)).sort(),
    );
  });
});
