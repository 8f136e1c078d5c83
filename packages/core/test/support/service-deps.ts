import type { Worker } from "../../src/domain/worker";
import { MemoryWorkerRepository } from "../../src/memory/memory-worker-repository";
import type { ProgressReporter } from "../../src/services/job-progress";
import { FakeClock } from "./fake-clock";
import { FakeCloudProvider } from "./fake-cloud-provider";
import { FakeCmlClient } from "./fake-cml-client";
import { RecordingPublisher } from "./recording-publisher";
import { silentLogger } from "./silent-logger";
import { aWorker } from "./worker-factory";

export const silentProgress: ProgressReporter = { report: async () => {} };

/** Everything a service needs, as fakes a test can inspect and steer. */
export function fakeServiceDeps() {
  const clock = new FakeClock();
  const workers = new MemoryWorkerRepository();
  const cloud = new FakeCloudProvider();
  return {
    clock,
    sleep: clock.sleep,
    workers,
    publisher: new RecordingPublisher(),
    logger: silentLogger,
    cloud,
    cml: new FakeCmlClient(),
    readiness: {
      cmlApiPort: 443,
      bootTimeoutMs: 600_000,
      cmlReadyTimeoutMs: 600_000,
      pollInitialMs: 1_000,
      pollMaxMs: 10_000,
    },
    licenseRegistration: { pollIntervalMs: 1_000, timeoutMs: 60_000 },
    async seed(worker: Worker): Promise<Worker> {
      return (await workers.insert(worker, [])).worker;
    },
    /** A RUNNING, AVAILABLE worker on a running instance of the fake cloud (us-east-1). */
    async seedRunning(
      overrides: Partial<Worker> = {},
      instanceTags: Record<string, string> = {},
    ): Promise<Worker> {
      const instance = cloud.add({ region: "us-east-1", tags: instanceTags });
      const seeded = await workers.insert(
        aWorker({
          status: "RUNNING",
          serviceStatus: "AVAILABLE",
          instanceId: instance.instanceId,
          publicIp: instance.publicIp,
          endpoint: `https://${instance.publicIp}:443`,
          ...overrides,
        }),
        [],
      );
      return seeded.worker;
    },
  };
}
