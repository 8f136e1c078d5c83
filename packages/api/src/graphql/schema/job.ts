import { checkOptionalText, checkText } from "@cml-fleet/core/domain/input-text";
import type { JobInfo } from "@cml-fleet/core/domain/job";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { encodeKeysetCursor } from "@cml-fleet/platform/repositories/keyset-cursor";
import { builder } from "../builder";
import { boundedFirst } from "../list-bounds";
import { onlyAbout } from "../topic-subscription";
import { forSubscriber, onOwnedWorker, ownerScope } from "../worker-ownership";
import { JobStateEnum } from "./enums";

export const JobRef = builder.objectRef<JobInfo>("Job");

JobRef.implement({
  description: "A unit of background work (BullMQ job): provisioning, a start, a stop, an import ...",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    workerId: t.exposeID("workerId", { nullable: true }),
    state: t.expose("state", { type: JobStateEnum }),
    progress: t.exposeFloat("progress", { nullable: true }),
    step: t.exposeString("step", { nullable: true }),
    attempts: t.exposeInt("attempts"),
    failedReason: t.exposeString("failedReason", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    startedAt: t.expose("startedAt", {
      type: "DateTime",
      nullable: true,
      description: "When a worker began processing it (null while waiting).",
    }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    cursor: t.string({
      description: "Pass as `after` to `jobs` for the jobs created before this one.",
      resolve: (job) => encodeKeysetCursor({ at: job.createdAt, id: job.id }),
    }),
  }),
});

builder.queryFields((t) => ({
  jobs: t.field({
    type: [JobRef],
    authScopes: onOwnedWorker("workerId", { role: "VIEWER", user: "read" }),
    args: {
      workerId: t.arg.id(),
      state: t.arg({ type: [JobStateEnum] }),
      first: t.arg.int({ description: "Page size, 1-500; 50 when omitted." }),
      after: t.arg.string({ description: "The cursor of the last job of the previous page." }),
    },
    description:
      "Jobs, newest first (created at, then id). Page with `after`: the cursor of the last job of the previous page.",
    resolve: async (_root, args, context) => {
      const workerId = checkOptionalText("workerId", "workerId", args.workerId) ?? undefined;
      const states = args.state ?? undefined;
      const first = boundedFirst("first", args.first, 50);
      const after = checkOptionalText("cursor", "after", args.after) ?? undefined;
      const owners = ownerScope(context);
      // A USER's jobs: those of the workers it owns (one SQL read of their ids), never a fleet-wide one.
      const workerIds =
        owners === null
          ? undefined
          : await context.reads.workers.ownedWorkerIds(
              owners,
              workerId === undefined ? undefined : [workerId],
            );
      return context.reads.jobs.list({ workerId, workerIds, states, first, after });
    },
  }),
  job: t.field({
    type: JobRef,
    nullable: true,
    authScopes: { role: "VIEWER", user: "read" },
    args: { id: t.arg.id({ required: true }) },
    description:
      "A job by its id; ids are the fleet's own (e.g. stop.<worker id>), anything else is BAD_USER_INPUT.",
    resolve: async (_root, args, context) => {
      const job = await context.reads.jobs.get(checkText("jobId", "id", args.id));
      const owners = ownerScope(context);
      if (job === null || owners === null) {
        return job;
      }
      // A USER sees the job of a worker it owns; any other is as if it did not exist.
      const owned =
        job.workerId === null ? [] : await context.reads.workers.ownedWorkerIds(owners, [job.workerId]);
      return owned.length > 0 ? job : null;
    },
  }),
}));

builder.mutationField("retryJob", (t) =>
  t.field({
    type: JobRef,
    description:
      "Runs a failed job again as your request: it needs the role that may ask for the job's kind, and is checked against the worker as it is now.",
    authScopes: { role: "OPERATOR" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.jobCommands.retryJob(context.access.require("retryJob"), args.id),
  }),
);

builder.subscriptionField("jobUpdated", (t) =>
  t.field({
    type: JobRef,
    authScopes: { role: "VIEWER", user: "read" },
    args: { id: t.arg.id() },
    subscribe: (_root, args, context) =>
      forSubscriber(
        context,
        onlyAbout(
          context.pubsub.subscribe(TOPICS.jobUpdated),
          checkOptionalText("jobId", "id", args.id),
          (job) => job.id,
        ),
        (job) => job.workerId,
      ),
    resolve: (job) => job,
  }),
);
