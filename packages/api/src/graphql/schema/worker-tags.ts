import { workerJobId } from "@cml-fleet/core/domain/job";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { tagSyncOf } from "@cml-fleet/core/domain/worker-tags";
import { builder } from "../builder";
import { JobRef } from "./job";
import { WorkerRef } from "./worker";

/**
 * Whether the tags saved with setWorkerTags have reached the instance, and the
 * job taking them there: setWorkerTags answers with the Worker (its contract
 * type), so the job is found here.
 */
const TagSyncRef = builder.objectRef<Worker>("TagSync").implement({
  description: "Whether the worker's tags have reached its EC2 instance.",
  fields: (t) => ({
    pending: t.boolean({
      description:
        "True while tags saved with setWorkerTags wait to be applied; reconciliation then keeps them over what EC2 shows.",
      resolve: (worker) => tagSyncOf(worker).pendingSince !== null,
    }),
    pendingSince: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (worker) => tagSyncOf(worker).pendingSince,
    }),
    appliedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When an apply last made the instance match (EC2 is the truth for tags after it).",
      resolve: (worker) => tagSyncOf(worker).appliedAt,
    }),
    lastError: t.string({
      nullable: true,
      description: "Why the last apply failed, until one succeeds (reconciliation queues it again).",
      resolve: (worker) => tagSyncOf(worker).lastError,
    }),
    job: t.field({
      type: JobRef,
      nullable: true,
      description:
        "The latest apply-tags job of this worker (queued, running or finished), if the queue still holds it.",
      resolve: (worker, _args, context) => context.reads.jobs.get(workerJobId("apply-tags", worker.id)),
    }),
  }),
});

builder.objectField(WorkerRef, "tagSync", (t) => t.field({ type: TagSyncRef, resolve: (worker) => worker }));
