import { checkOptionalText, checkText, rejectUnsafeCharacters } from "@cml-fleet/core/domain/input-text";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { WorkerFilter } from "@cml-fleet/core/ports/worker-repository.port";
import { decodeWorkerCursor, encodeWorkerCursor } from "@cml-fleet/platform/repositories/worker-cursor";
import { builder } from "../builder";
import { AUTO_STOP_EVENT_WINDOW, boundedFirst } from "../list-bounds";
import { selectsPath } from "../selected-path";
import { ownerScope } from "../worker-ownership";
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

/**
 * A cursor as handed out: base64url of the last worker's creation instant
 * and id. What it decodes to reaches the database, so it is checked too.
 */
function checkedCursor(after: string | null | undefined): string | null {
  const cursor = checkOptionalText("cursor", "after", after);
  if (cursor !== null) {
    rejectUnsafeCharacters("after", decodeWorkerCursor(cursor).id);
  }
  return cursor;
}

builder.queryField("workers", (t) =>
  t.field({
    type: WorkerConnectionRef,
    description: "Workers in a stable order (oldest first), a page at a time.",
    authScopes: { role: "VIEWER", user: "read" },
    args: {
      filter: t.arg({ type: WorkerFilterInput }),
      first: t.arg.int({ description: "Page size, 1-500; 50 when omitted." }),
      after: t.arg.string({ description: "endCursor of the previous page." }),
    },
    resolve: async (_root, args, context, info) => {
      const tag = args.filter?.tag ?? null;
      const filter: WorkerFilter = {
        region: checkOptionalText("region", "filter.region", args.filter?.region) ?? undefined,
        statuses: args.filter?.status ?? undefined,
        search: checkOptionalText("search", "filter.search", args.filter?.search) ?? undefined,
        tag:
          tag === null
            ? undefined
            : {
                key: checkText("tagKey", "filter.tag.key", tag.key),
                value: checkText("tagValue", "filter.tag.value", tag.value),
              },
        // A USER's page, cursors and totalCount are over its own workers only.
        owners: ownerScope(context) ?? undefined,
      };
      const first = boundedFirst("first", args.first, 50);
      const after = checkedCursor(args.after);
      if (!selectsPath(info, ["edges", "node", "cost"])) {
        return context.reads.workers.list(filter, first, after);
      }
      // The page's cost inputs come with the page (one statement, not two); the cost resolvers find them loaded.
      const page = await context.reads.workers.listWithCostInputs(
        filter,
        first,
        after,
        AUTO_STOP_EVENT_WINDOW,
      );
      for (const [workerId, inputs] of page.costInputs) {
        context.loaders.costInputs.prime(workerId, inputs);
      }
      return page;
    },
  }),
);
