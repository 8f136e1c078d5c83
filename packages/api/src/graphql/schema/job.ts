import { checkOptionalText, checkText } from "@cml-fleet/core/domain/input-text";
import type { JobInfo } from "@cml-fleet/core/domain/job";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { encodeKeysetCursor } from "@cml-fleet/platform/repositories/keyset-cursor";
import { builder } from "../builder";
import { boundedFirst } from "../list-bounds";
import { onlyAbout } from "../topic-subscription";
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
    authScopes: { role: "VIEWER" },
    args: {
      workerId: t.arg.id(),
      state: t.arg({ type: [JobStateEnum] }),
      first: t.arg.int({ description: "Page size, 1-500; 50 when omitted." }),
      after: t.arg.string({ description: "The cursor of the last job of the previous page." }),
    },
    description:
      "Jobs, newest first (created at, then id). Page with `after`: the cursor of the last job of the previous page.",
    resolve: (_root, args, context) =>
      context.reads.jobs.list({
        workerId: checkOptionalText("workerId", "workerId", args.workerId) ?? undefined,
        states: args.state ?? undefined,
        first: boundedFirst("first", args.first, 50),
        after: checkOptionalText("cursor", "after", args.after) ?? undefined,
      }),
  }),
  job: t.field({
    type: JobRef,
    nullable: true,
    authScopes: { role: "VIEWER" },
    args: { id: t.arg.id({ required: true }) },
    description:
      "A job by its id; ids are the fleet's own (e.g. stop.<worker id>), anything else is BAD_USER_INPUT.",
    resolve: (_root, args, context) => context.reads.jobs.get(checkText("jobId", "id", args.id)),
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
    authScopes: { role: "VIEWER" },
    args: { id: t.arg.id() },
    subscribe: (_root, args, context) =>
      onlyAbout(
        context.pubsub.subscribe(TOPICS.jobUpdated),
        checkOptionalText("jobId", "id", args.id),
        (job) => job.id,
      ),
    resolve: (job) => job,
  }),
);
