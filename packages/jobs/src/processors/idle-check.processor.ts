import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

export function idleCheckProcessor(services: JobServices): JobDefinition<"idle-check"> {
  return { kind: "idle-check", process: () => services.idle.check() };
}
