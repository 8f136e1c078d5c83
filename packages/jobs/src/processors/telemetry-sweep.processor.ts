import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

export function telemetrySweepProcessor(services: JobServices): JobDefinition<"telemetry-sweep"> {
  return { kind: "telemetry-sweep", process: () => services.telemetry.sweep() };
}
