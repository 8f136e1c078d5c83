import type { Worker } from "../../src/domain/worker";
import { FakeClock } from "./fake-clock";
import { FakeCloudProvider } from "./fake-cloud-provider";
import { FakeCmlClient } from "./fake-cml-client";
import { InMemoryWorkerRepository } from "./in-memory-worker-repository";
import { RecordingPublisher, silentLogger } from "./recording-publisher";

/** Everything a service needs, as fakes a test can inspect and steer. */
export function fakeServiceDeps() {
  const clock = new FakeClock();
  const workers = new InMemoryWorkerRepository();
  return {
    clock,
    sleep: clock.sleep,
    workers,
    publisher: new RecordingPublisher(),
    logger: silentLogger,
    cloud: new FakeCloudProvider(),
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
  };
}
