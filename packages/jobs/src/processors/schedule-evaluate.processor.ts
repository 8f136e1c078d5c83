import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

export function scheduleEvaluateProcessor(services: JobServices): JobDefinition<"schedule-evaluate"> {
  return { kind: "schedule-evaluate", process: () => services.schedules.evaluate() };
}
