import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Seconds; from a fast read-model query to a provisioning job that waits for a boot. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Every metric the fleet exports, on a registry of its own. One per process:
 * the API and the job workers of the all-in-one process share it, so a single
 * /metrics shows both.
 */
export interface FleetMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<"method" | "status">;
  readonly httpRequestDuration: Histogram<"method" | "status">;
  readonly graphqlOperations: Counter<"operation_type" | "operation_name" | "outcome">;
  readonly graphqlOperationDuration: Histogram<"operation_type" | "operation_name">;
  readonly graphqlErrors: Counter<"operation_type" | "operation_name" | "code">;
  readonly jobs: Counter<"queue" | "outcome">;
  readonly jobDuration: Histogram<"queue" | "outcome">;
  readonly jobsStalled: Counter<"queue">;
  readonly upstreamCalls: Counter<"upstream" | "operation" | "outcome">;
  readonly upstreamCallErrors: Counter<"upstream" | "operation" | "code">;
  readonly upstreamCallDuration: Histogram<"upstream" | "operation">;
  readonly workers: Gauge<"status">;
  readonly idleWorkers: Gauge;
  readonly idleWarnedWorkers: Gauge;
  readonly licenseWorkers: Gauge<"status">;
  readonly hourlyCost: Gauge;
  readonly fleetScrapeErrors: Counter;
  readonly scheduleLateStarts: Counter<"region" | "instance_type">;
  /** cml_fleet_sweep_shard_duration_seconds{account,region}: one shard of a telemetry sweep, from its job process. */
  readonly sweepShardDuration: Histogram<"account" | "region">;
  /** cml_fleet_job_schedule_present{kind}: read at scrape time from what {@link watchSchedules} was given. */
  readonly schedulePresent: Gauge<"kind">;
  /**
   * Where the schedule gauge reads at scrape time: one Redis round trip
   * answering, per sweep kind, whether its repeating schedule exists. Set by
   * the API and the job process (the all-in-one process sets it twice: the same answer).
   */
  watchSchedules(read: () => Promise<ReadonlyMap<string, boolean>>): void;
}

/** A scrape does not wait longer than this for the schedules' read (Redis away): the gauge is left out. */
const SCHEDULE_READ_TIMEOUT_MS = 1_000;

/** The answer of `read`, or a rejection after `timeoutMs`. */
function within<T>(timeoutMs: number, read: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([read(), late]).finally(() => clearTimeout(timer));
}

export interface FleetMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC) as well. */
  readonly processMetrics?: boolean | undefined;
}

/** What tells one fleet metric from another; where it is registered and how it is bucketed is common to all. */
interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export function createFleetMetrics(options: FleetMetricsOptions = {}): FleetMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) {
    // Unprefixed (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...), as standard dashboards expect.
    collectDefaultMetrics({ register: registry });
  }
  // Every metric on the fleet's own registry, so one /metrics shows them; every histogram on the same buckets.
  const registers = [registry];
  const counter = <L extends string>(spec: MetricSpec<L>) => new Counter<L>({ ...spec, registers });
  const gauge = <L extends string>(spec: MetricSpec<L>) => new Gauge<L>({ ...spec, registers });
  const histogram = <L extends string>(spec: MetricSpec<L>) =>
    new Histogram<L>({ ...spec, buckets: DURATION_BUCKETS, registers });
  let readSchedules: (() => Promise<ReadonlyMap<string, boolean>>) | null = null;
  const schedulePresent: Gauge<"kind"> = new Gauge<"kind">({
    name: "cml_fleet_job_schedule_present",
    help: "1 when a sweep's repeating schedule is declared in Redis, 0 when it is missing (Redis lost its data and no job process has declared it again yet); read at scrape time, left out when Redis does not answer.",
    labelNames: ["kind"],
    registers,
    async collect() {
      if (readSchedules === null) {
        return;
      }
      try {
        const presence = await within(SCHEDULE_READ_TIMEOUT_MS, readSchedules);
        for (const [kind, present] of presence) {
          schedulePresent.set({ kind }, present ? 1 : 0);
        }
      } catch {
        // Unknown is not "present": the series go, and an alert on their absence fires.
        schedulePresent.reset();
      }
    },
  });
  return {
    registry,
    schedulePresent,
    watchSchedules(read) {
      readSchedules = read;
    },
    httpRequests: counter({
      name: "cml_fleet_http_requests_total",
      help: "HTTP requests to the GraphQL endpoint, by method and response status.",
      labelNames: ["method", "status"],
    }),
    httpRequestDuration: histogram({
      name: "cml_fleet_http_request_duration_seconds",
      help: "Time to answer an HTTP request to the GraphQL endpoint (to the start of the stream for SSE).",
      labelNames: ["method", "status"],
    }),
    graphqlOperations: counter({
      name: "cml_fleet_graphql_operations_total",
      help: "GraphQL operations by type, name and outcome (ok, error, invalid); subscriptions count once when set up.",
      labelNames: ["operation_type", "operation_name", "outcome"],
    }),
    graphqlOperationDuration: histogram({
      name: "cml_fleet_graphql_operation_duration_seconds",
      help: "Execution time of GraphQL queries and mutations.",
      labelNames: ["operation_type", "operation_name"],
    }),
    graphqlErrors: counter({
      name: "cml_fleet_graphql_errors_total",
      help: "Errors in GraphQL results, by the contract's error code.",
      labelNames: ["operation_type", "operation_name", "code"],
    }),
    jobs: counter({
      name: "cml_fleet_jobs_total",
      help: "Job attempts that ended, by queue and outcome (completed, failed, retried, deferred).",
      labelNames: ["queue", "outcome"],
    }),
    jobDuration: histogram({
      name: "cml_fleet_job_duration_seconds",
      help: "Run time of a job attempt, by queue and outcome.",
      labelNames: ["queue", "outcome"],
    }),
    jobsStalled: counter({
      name: "cml_fleet_jobs_stalled_total",
      help: "Jobs whose worker process stopped renewing their lock; they run again.",
      labelNames: ["queue"],
    }),
    upstreamCalls: counter({
      name: "cml_fleet_upstream_calls_total",
      help: "Calls to AWS (ec2, cloudwatch, sts) and to CML controllers, retries included, by outcome.",
      labelNames: ["upstream", "operation", "outcome"],
    }),
    upstreamCallErrors: counter({
      name: "cml_fleet_upstream_call_errors_total",
      help: "Failed upstream calls by error code (AWS error name, CML error kind or http_<status>).",
      labelNames: ["upstream", "operation", "code"],
    }),
    upstreamCallDuration: histogram({
      name: "cml_fleet_upstream_call_duration_seconds",
      help: "Duration of upstream calls, retries included.",
      labelNames: ["upstream", "operation"],
    }),
    workers: gauge({
      name: "cml_fleet_workers",
      help: "Workers by status, read from the database at scrape time.",
      labelNames: ["status"],
    }),
    idleWorkers: gauge({
      name: "cml_fleet_workers_idle",
      help: "Workers not terminated whose current idle stretch has begun.",
    }),
    idleWarnedWorkers: gauge({
      name: "cml_fleet_workers_idle_warned",
      help: "Workers not terminated with an idle warning outstanding (they stop at the idle threshold unless used).",
    }),
    licenseWorkers: gauge({
      name: "cml_fleet_workers_license",
      help: "Workers not terminated by license status (EXPIRED and INVALID are license failures), read from the database at scrape time.",
      labelNames: ["status"],
    }),
    hourlyCost: gauge({
      name: "cml_fleet_hourly_cost_usd",
      help: "USD per hour of the workers billed right now (PENDING, RUNNING, STOPPING) at the configured prices.",
    }),
    fleetScrapeErrors: counter({
      name: "cml_fleet_fleet_gauge_errors_total",
      help: "Scrapes whose fleet gauges could not be read from the database (the gauges are left out).",
    }),
    scheduleLateStarts: counter({
      name: "cml_fleet_schedule_late_starts_total",
      help: "Workers a schedule started that were not AVAILABLE when their window opened, by region and instance type.",
      labelNames: ["region", "instance_type"],
    }),
    sweepShardDuration: histogram({
      name: "cml_fleet_sweep_shard_duration_seconds",
      help: "Run time of one shard of the telemetry sweep (its workers' CML questions and saves, at most CML_SWEEP_SHARD_SIZE workers), by AWS account and region.",
      labelNames: ["account", "region"],
    }),
  };
}
