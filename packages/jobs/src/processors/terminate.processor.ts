import type { ProgressReporter } from "@cml-fleet/core/services/job-progress";
import type { JobDefinition } from "../runtime/job-definition";
import { type JobServices, workerResult } from "./job-services";

/** Progress of a first step, reported as the first part of the job's. */
function scaled(progress: ProgressReporter, share: number): ProgressReporter {
  return { report: (fraction, step) => progress.report(fraction * share, step) };
}

export function terminateProcessor(services: JobServices): JobDefinition<"terminate"> {
  return {
    kind: "terminate",
    process: async ({ workerId, actor, force, snapshotFirst }, { progress }) => {
      // terminateWorker(snapshot: true): the instance goes only once its snapshot is COMPLETED (a retry
      // finds the same snapshot by its id); a snapshot that fails fails the job, and nothing is terminated.
      if (snapshotFirst) {
        await services.snapshots.snapshot(
          { workerId, actor, snapshotId: snapshotFirst.snapshotId, description: snapshotFirst.description },
          scaled(progress, 0.5),
        );
      }
      return workerResult(await services.lifecycle.terminate(workerId, actor, force, progress));
    },
    onFinalFailure: async ({ workerId, actor, snapshotFirst }, failure) => {
      if (snapshotFirst) {
        await services.snapshots.failSnapshot(
          { workerId, actor, snapshotId: snapshotFirst.snapshotId, description: snapshotFirst.description },
          failure,
        );
      }
      await services.lifecycle.recordOperationFailed(workerId, actor, "terminate", failure);
    },
  };
}
