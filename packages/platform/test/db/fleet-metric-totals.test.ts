import { UNKNOWN_LICENSE } from "@cml-fleet/core/domain/worker";
import { beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../../../api/test/support/worker-factory";
import { telemetry } from "../../../core/test/support/worker-factory";
import { createFleetMetricTotals } from "../../src/repositories/fleet-metric-totals";
import {
  createWorkerRepository,
  type DrizzleWorkerRepository,
} from "../../src/repositories/worker.repository";
import { useTestDatabase } from "../support/use-test-database";

const testDb = useTestDatabase("fleet_metric_totals");
let repository: DrizzleWorkerRepository;

beforeAll(() => {
  repository = createWorkerRepository(testDb.db);
});

const registered = { ...UNKNOWN_LICENSE, status: "REGISTERED" as const };

describe("the custom metrics' fleet totals", () => {
  it("sums the running workers' CML figures per account and region in one aggregate, and a stopped region reports zeros", async () => {
    const workers = [
      // us-east-1: two reachable (one licensed and idle), one whose CML did not answer, one stopped, one terminated.
      aWorker(
        {
          status: "RUNNING",
          telemetry: telemetry({ runningNodes: 4, startedLabs: 1 }),
          license: registered,
          idle: { ...aWorker().idle, idleSince: new Date("2026-11-30T10:00:00Z") },
        },
        1,
      ),
      aWorker({ status: "RUNNING", telemetry: telemetry({ runningNodes: 6, startedLabs: 2 }) }, 2),
      aWorker({ status: "RUNNING", telemetry: telemetry({ runningNodes: 9, cmlReachable: false }) }, 3),
      aWorker({ status: "STOPPED", telemetry: telemetry({ runningNodes: 5 }), license: registered }, 4),
      aWorker({ status: "TERMINATED", telemetry: telemetry({ runningNodes: 7 }) }, 5),
      // eu-west-1: only stopped.
      aWorker({ status: "STOPPED", region: "eu-west-1" }, 6),
    ];
    for (const worker of workers) {
      await repository.insert(worker, []);
    }

    expect(await createFleetMetricTotals(testDb.db).fleetMetricTotals()).toEqual([
      {
        accountId: "default",
        region: "eu-west-1",
        workersRunning: 0,
        workersCmlReachable: 0,
        runningNodes: 0,
        startedLabs: 0,
        workersLicensed: 0,
        workersIdle: 0,
      },
      {
        accountId: "default",
        region: "us-east-1",
        workersRunning: 3,
        workersCmlReachable: 2,
        runningNodes: 10,
        startedLabs: 3,
        workersLicensed: 1,
        workersIdle: 1,
      },
    ]);
  });
});
