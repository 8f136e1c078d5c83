import { regionResult } from "@cml-fleet/core/services/telemetry-sweep.service";
import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";
import { isSkipped, regionLease, shardResultsOf, shardStep } from "./telemetry-steps";

/**
 * One region of a sweep: reads it from AWS once (under the region's lease),
 * queues a telemetry-shard job per shard with its slice of the reading, and
 * parks until they have finished; it then answers the region's totals.
 */
export function telemetryRegionProcessor(services: JobServices): JobDefinition<"telemetry-region"> {
  return {
    kind: "telemetry-region",
    fansOut: true,
    lease: regionLease,
    async process(payload, context) {
      const children = context.children;
      if (children === undefined) {
        throw new Error("a telemetry-region job runs only in a job process that queues child jobs");
      }
      const finished =
        children.finished ??
        (await children.awaitAll((await services.telemetry.planRegion(payload)).map(shardStep)));
      return regionResult(
        { accountId: payload.accountId, region: payload.region },
        shardResultsOf(finished.values),
        finished.values.filter(isSkipped).length,
        finished.failures.map((failure) => failure.reason),
      );
    },
  };
}
