import type { Worker } from "@cml-fleet/core/domain/worker";
import type { WorkerFilter } from "@cml-fleet/core/ports/worker-repository.port";
import { encodeWorkerCursor } from "@cml-fleet/platform/repositories/worker-cursor";
import { builder } from "../builder";
import { boundedFirst } from "../list-bounds";
import { WorkerStatusEnum } from "./enums";
import { TagInput } from "./tag";
import { WorkerRef } from "./worker";

interface WorkerConnectionShape {
  readonly workers: readonly Worker[];
  readonly hasNextPage: boolean;
  readonly totalCount: number;
}

const PageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; endCursor: string | null }>("PageInfo")
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage"),
      endCursor: t.exposeString("endCursor", { nullable: true }),
    }),
  });

const WorkerEdgeRef = builder.objectRef<Worker>("WorkerEdge").implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (worker) => encodeWorkerCursor(worker) }),
    node: t.field({ type: WorkerRef, resolve: (worker) => worker }),
  }),
});

const WorkerConnectionRef = builder.objectRef<WorkerConnectionShape>("WorkerConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [WorkerEdgeRef], resolve: (page) => page.workers }),
    pageInfo: t.field({
      type: PageInfoRef,
      resolve: (page) => {
        const last = page.workers.at(-1);
        return {
          hasNextPage: page.hasNextPage,
          endCursor: last === undefined ? null : encodeWorkerCursor(last),
        };
      },
    }),
    totalCount: t.exposeInt("totalCount", { description: "Workers matching the filter, on all pages." }),
  }),
});

const WorkerFilterInput = builder.inputType("WorkerFilter", {
  fields: (t) => ({
    region: t.string(),
    status: t.field({ type: [WorkerStatusEnum] }),
    search: t.string({ description: "Case-insensitive part of the name, instance id or an IP address." }),
    tag: t.field({ type: TagInput }),
  }),
});

builder.queryField("workers", (t) =>
  t.field({
    type: WorkerConnectionRef,
    description: "Workers in a stable order (oldest first), a page at a time.",
    authScopes: { role: "VIEWER" },
    args: {
      filter: t.arg({ type: WorkerFilterInput }),
      first: t.arg.int({ description: "Page size, 1-500; 50 when omitted." }),
      after: t.arg.string({ description: "endCursor of the previous page." }),
    },
    resolve: (_root, args, context) => {
      const filter: WorkerFilter = {
        region: args.filter?.region ?? undefined,
        statuses: args.filter?.status ?? undefined,
        search: args.filter?.search ?? undefined,
        tag: args.filter?.tag ?? undefined,
      };
      return context.reads.workers.list(filter, boundedFirst("first", args.first, 50), args.after ?? null);
    },
  }),
);
