import { summarizeSweep } from "@cml-fleet/core/services/telemetry-sweep.service";
import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";
import { regionResultsOf, regionStep, sweepRunOf, targetOfPayload } from "./telemetry-steps";

/**
 * The scheduled sweep fans out: one telemetry-region job per account and
 * region (each a telemetry-shard job per shard), which any job process may
 * take, and parks until they have all finished; it then prunes old samples
 * and answers the fleet's summary. Its lease is held only while it queues.
 */
export function telemetrySweepProcessor(services: JobServices): JobDefinition<"telemetry-sweep"> {
  return {
    kind: "telemetry-sweep",
    fansOut: true,
    async process(_payload, context) {
      const children = context.children;
      if (children === undefined) {
        throw new Error("a telemetry-sweep job runs only in a job process that queues child jobs");
      }
      const run = sweepRunOf(context.jobId);
      const finished =
        children.finished ??
        (await children.awaitAll(
          (await services.telemetry.targets()).map((target) => regionStep(run, target)),
        ));
      const failedTargets = finished.failures.map((failure) => ({
        target: targetOfPayload(failure.payload) ?? { accountId: "?", region: failure.jobId },
        error: failure.reason,
      }));
      // Here the whole fleet's shards have saved their workers: the custom metric totals are read in one aggregate.
      await services.telemetry.publishFleetTotals();
      return summarizeSweep(
        regionResultsOf(finished.values),
        failedTargets,
        await services.telemetry.prune(),
      );
    },
  };
}
