import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";
import { shardLease } from "./telemetry-steps";

/** One shard of a region: its workers' CML and saves, under the shard's lease (never two runs at once). */
export function telemetryShardProcessor(services: JobServices): JobDefinition<"telemetry-shard"> {
  return {
    kind: "telemetry-shard",
    lease: shardLease,
    process: (payload) => services.telemetry.sweepShard(payload),
  };
}
