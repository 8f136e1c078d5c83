import { checksOf, type StatusCheckPair } from "@cml-fleet/core/domain/status-checks";
import { builder } from "../builder";
import { WorkerRef } from "./worker";

interface StatusChecksView extends StatusCheckPair {
  readonly checkedAt: Date;
}

const StatusChecksRef = builder.objectRef<StatusChecksView>("StatusChecks").implement({
  description:
    "The EC2 status checks of a worker's instance, as the latest telemetry sweep (or refresh) read them.",
  fields: (t) => ({
    system: t.exposeString("system", {
      description: "ok, impaired, insufficient-data, not-applicable or initializing, as EC2 says.",
    }),
    instance: t.exposeString("instance", {
      description: "ok, impaired, insufficient-data, not-applicable or initializing, as EC2 says.",
    }),
    checkedAt: t.expose("checkedAt", { type: "DateTime", description: "When they were read." }),
  }),
});

// From the worker row's latest telemetry snapshot: no query of its own, so no N+1.
builder.objectField(WorkerRef, "statusChecks", (t) =>
  t.field({
    type: StatusChecksRef,
    nullable: true,
    description:
      "The latest EC2 status checks; null until a sweep has read them. An impaired check also makes the service status ERROR, naming the check.",
    resolve: (worker) => {
      const checks = checksOf(worker.telemetry);
      return checks === null || worker.telemetry === null
        ? null
        : { ...checks, checkedAt: worker.telemetry.sampledAt };
    },
  }),
);
