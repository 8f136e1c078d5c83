import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

/** Takes an EBS snapshot of a worker's root volume and waits for it, reporting its progress. */
export function snapshotProcessor(services: JobServices): JobDefinition<"snapshot"> {
  return {
    kind: "snapshot",
    process: async (payload, { progress }) => {
      const snapshot = await services.snapshots.snapshot(payload, progress);
      return {
        workerId: snapshot.workerId,
        id: snapshot.id,
        snapshotId: snapshot.snapshotId,
        state: snapshot.state,
        sizeGiB: snapshot.sizeGiB,
      };
    },
    onFinalFailure: async (payload, reason) => {
      await services.snapshots.failSnapshot(payload, reason);
    },
  };
}
