import { randomBytes } from "node:crypto";
import { freePorts } from "@cml-fleet/platform/testing/free-port";
import { type PrivatePostgres, startPrivatePostgres } from "@cml-fleet/platform/testing/private-postgres";
import { type FleetProcess, startApiProcess, startJobProcess, tails } from "./fleet-processes";
import { type FleetClient, fleetClient } from "./graphql-client";
import { type PrivateRedis, startPrivateRedis } from "./private-redis";
import {
  SIM_CML_PASSWORD,
  SIM_CML_USERNAME,
  type SimulatorProcess,
  startSimulatorProcess,
} from "./simulator-process";

export interface FaultStackOptions {
  /** How many job processes serve the queues (default 1). */
  readonly jobProcesses?: number;
  /** Settings for the API and job processes, over the suite's defaults. */
  readonly env?: Record<string, string>;
  /** The simulator's delays (SIM_BOOT_DELAY ...), over the suite's short ones. */
  readonly simDelays?: Record<string, string>;
}

/** The sweep period the suite runs the fleet with (CML_WORKER_TELEMETRY_COLLECTION_INTERVAL). */
export const SWEEP_INTERVAL_MS = 2_000;

/**
 * How often the job process reconciles the fleet with EC2 at that sweep interval: jobs/src/job-process.ts runs it
 * every max(5 sweep intervals, 60 s).
 */
export const RECONCILE_INTERVAL_MS = Math.max(5 * SWEEP_INTERVAL_MS, 60_000);

/** The job lock's duration (CML_FLEET_TEST_LOCK_MS): a stalled job is taken over about this long after. */
export const LOCK_MS = 4_000;

/**
 * The whole system as separate processes, all the suite's own: a private Postgres cluster (initdb, pg_ctl), a
 * private redis-server without persistence, the simulator, the API and the job processes, each on a free port.
 * Any of them can be killed, stopped or restarted; the others keep running.
 */
export interface FaultStack {
  readonly postgres: PrivatePostgres;
  readonly redis: PrivateRedis;
  readonly sim: SimulatorProcess;
  /** The settings every fleet process is started with. */
  readonly env: Readonly<Record<string, string>>;
  /** The API's origin (http://127.0.0.1:<port>); kept across restarts. */
  readonly apiOrigin: string;
  /** GraphQL over HTTP with the ADMIN token. */
  readonly client: FleetClient;
  api(): FleetProcess;
  jobs(index?: number): FleetProcess;
  /** SIGKILL of the API (no shutdown hook runs). */
  killApi(): Promise<void>;
  startApi(): Promise<void>;
  /** SIGKILL of a job process. */
  killJobs(index?: number): Promise<void>;
  startJobs(index?: number): Promise<void>;
  /** The tails of every process's log, for failure messages. */
  context(): string;
  close(): Promise<void>;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const jobCount = options.jobProcesses ?? 1;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch(() => undefined);
    }
  };
  try {
    const postgres = await startPrivatePostgres();
    closers.push(() => postgres.cleanup());
    const redis = await startPrivateRedis();
    closers.push(() => redis.close());
    const sim = await startSimulatorProcess(options.simDelays);
    closers.push(() => sim.close());

    const adminToken = `faults-admin-${randomBytes(16).toString("hex")}`;
    const env: Record<string, string> = {
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: "cmlf-faults",
      BOOTSTRAP_ADMIN_TOKEN: adminToken,
      RATE_LIMIT_PER_MINUTE: "0",
      CLOUD_PROVIDER: "sim",
      SIM_URL: sim.url,
      SIM_CML_PORT: String(sim.cmlPort),
      AWS_ALLOWED_REGIONS: "us-east-1",
      CML_USERNAME: SIM_CML_USERNAME,
      CML_PASSWORD: SIM_CML_PASSWORD,
      CML_LICENSE_TOKEN: "faults-license-token",
      CML_HEALTH_CHECK_INTERVAL: "250ms",
      CML_REQUEST_TIMEOUT: "5s",
      CML_JOB_ATTEMPTS: "5",
      // Bounds far above a scenario's length: a restart on a loaded machine takes a while, and a provision that
      // ran out of its bound during one would end FAILED by design (a visible failure, not the crash's doing).
      CML_JOB_TIMEOUT: "5m",
      CML_PROVISIONING_TIMEOUT: "10m",
      // The job process's test knob: BullMQ's lock and stalled check and the worker lock at 4 s instead of 30 s, so
      // a job whose process was killed is taken over within seconds.
      CML_FLEET_TEST_LOCK_MS: String(LOCK_MS),
      CML_WORKER_TELEMETRY_COLLECTION_INTERVAL: `${SWEEP_INTERVAL_MS}ms`,
      // The suite asks for every stop itself: the idle policy must not stop a worker it expects RUNNING.
      CML_WORKER_AUTO_SHUTDOWN_ENABLED: "false",
      ...options.env,
    };

    const [apiPort, ...jobPorts] = await freePorts(1 + jobCount);
    if (apiPort === undefined) {
      throw new Error("no free port for the API");
    }
    let api: FleetProcess | null = null;
    const jobs: (FleetProcess | null)[] = jobPorts.map(() => null);
    const startApi = async () => {
      api = await startApiProcess(env, apiPort);
    };
    const startJobs = async (index = 0) => {
      const port = jobPorts[index];
      if (port === undefined) {
        throw new Error(`no job process ${index}: the stack has ${jobCount}`);
      }
      jobs[index] = await startJobProcess(env, port, `jobs#${index}`);
    };
    closers.push(async () => {
      await Promise.all([api, ...jobs].map((entry) => entry?.child.kill()));
    });
    // The API migrates the database; the job processes start once the tables are there.
    await startApi();
    for (let index = 0; index < jobCount; index++) {
      await startJobs(index);
    }

    const apiOrigin = `http://127.0.0.1:${apiPort}`;
    const running = (entry: FleetProcess | null | undefined, what: string) => {
      if (entry === null || entry === undefined) {
        throw new Error(`${what} is not started`);
      }
      return entry;
    };
    return {
      postgres,
      redis,
      sim,
      env,
      apiOrigin,
      client: fleetClient(`${apiOrigin}/graphql`, adminToken),
      api: () => running(api, "the API"),
      jobs: (index = 0) => running(jobs[index], `job process ${index}`),
      async killApi() {
        await api?.child.kill();
      },
      startApi,
      async killJobs(index = 0) {
        await jobs[index]?.child.kill();
      },
      startJobs,
      context: () => [redis.output(), tails([sim.child, api, ...jobs])].join("\n"),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
