import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

export function reconcileProcessor(services: JobServices): JobDefinition<"reconcile"> {
  return { kind: "reconcile", process: () => services.reconciliation.reconcile() };
}
