import { type JobProcessOptions, type RunningJobProcess, startJobProcess } from "@cml-fleet/jobs/job-process";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "@cml-fleet/sim/simulator";
import { createTestFleet, type TestApi, type TestFleet } from "../../../api/test/graphql/support/test-fleet";

/** The CML account the simulated workers answer to. */
export const SIM_CML = { username: "fleet", password: "sim-password" } as const;

/** What the monitor's end-to-end tests run it against: the simulator, an API and a job process on one fleet. */
export interface SimulatedFleet {
  readonly sim: RunningSimulator;
  readonly fleet: TestFleet;
  readonly api: TestApi;
  readonly jobs: RunningJobProcess;
  /** Job process, fleet (API, database, Redis), then the simulator. */
  close(): Promise<void>;
}

export interface SimulatedFleetOptions {
  /** Overrides of the simulator's fast defaults (50 ms boots, stops, CML readiness and licence registration). */
  readonly sim?: SimulatorOptions;
  /** Settings on top of those that point the fleet at the simulator and its CML. */
  readonly env?: Record<string, string>;
  /** Overrides of the job runtime's short test locks (no repeating schedules). */
  readonly runtime?: JobProcessOptions["runtime"];
  /** How long the job process waits between polls of a booting worker (initial, then at most). */
  readonly readinessPollMs?: { readonly initial: number; readonly max: number };
}

/**
 * Starts the simulator, a test fleet (own database schema and Redis prefix) with its API, and a job process
 * with short locks and polls: the parts every test of the monitor against a real API needs.
 */
export async function startSimulatedFleet(
  label: string,
  options: SimulatedFleetOptions = {},
): Promise<SimulatedFleet> {
  const sim = await startSimulator({
    bootDelayMs: 50,
    stopDelayMs: 50,
    cmlReadyDelayMs: 50,
    licenseRegistrationDelayMs: 50,
    onError: () => {},
    cmlUsername: SIM_CML.username,
    cmlPassword: SIM_CML.password,
    ...options.sim,
  });
  const fleet = await createTestFleet(label, {
    CLOUD_PROVIDER: "sim",
    SIM_URL: sim.url,
    SIM_CML_PORT: String(sim.cmlPort),
    CML_USERNAME: SIM_CML.username,
    CML_PASSWORD: SIM_CML.password,
    CML_REQUEST_TIMEOUT: "5s",
    ...options.env,
  });
  const api = await fleet.startApi();
  const poll = options.readinessPollMs ?? { initial: 50, max: 200 };
  const jobs = await startJobProcess({
    settings: fleet.settings,
    logger: silentLogger,
    databaseSchema: fleet.db.schema,
    runtime: {
      lockDurationMs: 5_000,
      stalledIntervalMs: 2_000,
      workerLockTtlMs: 5_000,
      busyRetryDelayMs: 100,
      heartbeatIntervalMs: 500,
      schedules: null,
      ...options.runtime,
    },
    tune: (deps) => ({
      ...deps,
      readiness: { ...deps.readiness, pollInitialMs: poll.initial, pollMaxMs: poll.max },
    }),
  });
  return {
    sim,
    fleet,
    api,
    jobs,
    async close() {
      await jobs.close();
      await fleet.close();
      await sim.close();
    },
  };
}
