import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

export function convergeProcessor(services: JobServices): JobDefinition<"converge"> {
  return { kind: "converge", process: () => services.convergence.converge() };
}
