import type { Worker } from "../domain/worker";
import { NotFoundError } from "../errors";
import type { WorkerRepository } from "../ports/worker-repository.port";

/** The stored worker a job acts on; a job for a worker that is gone fails as not found. */
export async function loadWorker(
  workers: Pick<WorkerRepository, "findById">,
  workerId: string,
): Promise<Worker> {
  const worker = await workers.findById(workerId);
  if (worker === null) {
    throw new NotFoundError("worker", workerId);
  }
  return worker;
}
