import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

export function applyTagsProcessor(services: JobServices): JobDefinition<"apply-tags"> {
  return {
    kind: "apply-tags",
    process: ({ workerId, actor }, { progress }) => services.tagApply.apply(workerId, actor, progress),
    onFinalFailure: async ({ workerId }, reason) => {
      await services.tagApply.recordFailure(workerId, reason);
    },
  };
}
