import { checkText } from "@cml-fleet/core/domain/input-text";
import { JOB_KIND_TABLE, type OperationArg, type OperationFlag } from "@cml-fleet/core/domain/job";
import type { Requester } from "@cml-fleet/core/domain/requester";
import { isUserOperation } from "@cml-fleet/core/domain/role";
import { WORKER_OPERATIONS, type WorkerOperation } from "@cml-fleet/core/domain/worker-transitions";
import type { WorkerCommandService, WorkerJobResult } from "@cml-fleet/core/services/worker-commands.service";
import type { ArgBuilder, ArgumentRef } from "@pothos/core";
import { builder } from "../builder";
import { onOwnedWorker } from "../worker-ownership";
import { JobRef } from "./job";
import { TagInput } from "./tag";
import { WorkerRef } from "./worker";

export const WorkerJobPayloadRef = builder.objectRef<WorkerJobResult>("WorkerJobPayload").implement({
  description:
    "The worker as the mutation left it, and the job doing the work (null when nothing needed doing).",
  fields: (t) => ({
    worker: t.field({ type: WorkerRef, resolve: (payload) => payload.worker }),
    job: t.field({ type: JobRef, nullable: true, resolve: (payload) => payload.job }),
  }),
});

const CreateWorkerInput = builder.inputType("CreateWorkerInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    region: t.string({ required: true }),
    instanceType: t.string({ description: "One of the allowed types; the fleet default when omitted." }),
    amiId: t.string({ description: "Overrides the region's configured CML AMI." }),
    tags: t.field({ type: [TagInput] }),
    idempotencyKey: t.string({
      description: "Repeating a request with the same key answers with the same worker and job.",
    }),
    accountId: t.string({
      description:
        "One of the configured accounts (a key of AWS_ACCOUNTS); the default account when omitted.",
    }),
    fromSnapshotId: t.id({
      description:
        "Launch with the root volume restored from this snapshot (labs included): a COMPLETED snapshot of the same account and region.",
    }),
    owner: t.string({
      description:
        "The identity that owns the worker (a token's name, an OIDC user's name claim); nobody when omitted.",
    }),
    scheduleId: t.id({ description: "Put the new worker on this schedule (see setWorkerSchedule)." }),
  }),
});

const IdlePolicyInput = builder.inputType("IdlePolicyInput", {
  fields: (t) => ({
    enabled: t.boolean({ description: "Omitted keeps the current value; null follows the fleet default." }),
    thresholdMinutes: t.float({
      description: "Omitted keeps the current value; null follows the fleet default.",
    }),
  }),
});

builder.mutationFields((t) => ({
  createWorker: t.field({
    type: WorkerJobPayloadRef,
    authScopes: { role: "ADMIN" },
    args: { input: t.arg({ type: CreateWorkerInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const by = context.access.require("createWorker");
      return context.services.workerCommands.createWorker(by, {
        ...input,
        scheduleId:
          input.scheduleId === null || input.scheduleId === undefined ? null : String(input.scheduleId),
      });
    },
  }),
  setWorkerTags: t.field({
    type: WorkerRef,
    description:
      "Replaces the worker's own tags and applies them to its instance as an apply-tags job (Worker.tagSync.job); Name, aws:* and cml-fleet:* are the fleet's and refused. A worker not launched yet carries them from its launch.",
    authScopes: onOwnedWorker("id", { role: "OPERATOR" }),
    args: { id: t.arg.id({ required: true }), tags: t.arg({ type: [TagInput], required: true }) },
    resolve: async (_root, args, context) => {
      const result = await context.services.workerSettings.setTags(
        context.access.require("setWorkerTags"),
        checkText("workerId", "id", args.id),
        args.tags,
      );
      return result.worker;
    },
  }),
  setIdlePolicy: t.field({
    type: WorkerRef,
    authScopes: onOwnedWorker("id", { role: "OPERATOR" }),
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: IdlePolicyInput, required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerSettings.setIdlePolicy(
        context.access.require("setIdlePolicy"),
        checkText("workerId", "id", args.id),
        args.input,
      ),
  }),
  keepAlive: t.field({
    type: WorkerRef,
    description: "No auto-stop before `until`; an instant in the past clears it.",
    authScopes: onOwnedWorker("id", { role: "OPERATOR", user: "keepAlive" }),
    args: { id: t.arg.id({ required: true }), until: t.arg({ type: "DateTime", required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerSettings.keepAlive(
        context.access.require("keepAlive"),
        checkText("workerId", "id", args.id),
        args.until,
      ),
  }),
  importWorkers: t.field({
    type: [WorkerRef],
    description: "Adopts fleet-tagged instances (or the given ones) of a region; waits for the import job.",
    authScopes: { role: "ADMIN" },
    args: {
      region: t.arg.string({ required: true }),
      instanceIds: t.arg.stringList(),
    },
    resolve: (_root, args, context) =>
      context.services.workerImport.importWorkers(
        context.access.require("importWorkers"),
        args.region,
        args.instanceIds ?? null,
      ),
  }),
}));

type FleetTypes = typeof builder.$inferSchemaTypes;

/** An operation's mutation as its table row spells it, field name and argument included. */
type OperationMutationRow = {
  [O in WorkerOperation]: (typeof JOB_KIND_TABLE)[O]["operation"]["mutation"];
}[WorkerOperation];

function takes<T extends OperationArg["type"]>(
  row: OperationMutationRow,
  type: T,
): row is Extract<OperationMutationRow, { readonly arg: { readonly type: T } }> {
  return "arg" in row && row.arg.type === type;
}

/**
 * Calls the command service's method named like the mutation. Narrowing the
 * row narrows its field to the methods taking that argument, so the compiler
 * checks each call against the service's signatures.
 */
function runOperation(
  commands: WorkerCommandService,
  row: OperationMutationRow,
  by: Requester,
  id: string,
  given: unknown,
  flags: Readonly<Record<string, boolean>>,
): Promise<WorkerJobResult> {
  if (takes(row, "string")) {
    return commands[row.field](by, id, typeof given === "string" ? given : null);
  }
  if (takes(row, "boolean")) {
    return commands[row.field](by, id, typeof given === "boolean" ? given : row.arg.defaultValue, flags);
  }
  return commands[row.field](by, id);
}

/**
 * `id: ID!` and the row's one other argument. Typed as a plain map because
 * the argument's name comes from the table; `runOperation` checks its value.
 */
function operationArgs(
  t: ArgBuilder<FleetTypes>,
  arg: OperationArg | undefined,
  flags: readonly OperationFlag[] | undefined,
): Record<string, ArgumentRef<FleetTypes, unknown>> {
  const id = t.id({ required: true });
  if (arg === undefined) {
    return { id };
  }
  const extra =
    arg.type === "string"
      ? t.string({ description: arg.description })
      : t.boolean({ defaultValue: arg.defaultValue, description: arg.description });
  const flagArgs = (flags ?? []).map((flag) => [
    flag.name,
    t.boolean({ defaultValue: false, description: flag.description }),
  ]);
  return { id, [arg.name]: extra, ...Object.fromEntries(flagArgs) };
}

/** One mutation per worker operation in the job-kind table: `<field>(id: ID!, <arg>): WorkerJobPayload!`. */
for (const operation of WORKER_OPERATIONS) {
  const row: OperationMutationRow = JOB_KIND_TABLE[operation].operation.mutation;
  const arg = "arg" in row ? row.arg : undefined;
  const flags = "flags" in row ? row.flags : undefined;
  builder.mutationField(row.field, (t) =>
    t.field({
      type: WorkerJobPayloadRef,
      // A USER may run its operations (core's USER_OPERATIONS) on the workers it owns; another's is NOT_FOUND.
      authScopes: onOwnedWorker(
        "id",
        isUserOperation(row.field) ? { role: row.role, user: row.field } : { role: row.role },
      ),
      args: operationArgs(t.arg, arg, flags),
      resolve: (_root, args, context) =>
        runOperation(
          context.services.workerCommands,
          row,
          context.access.require(row.field),
          checkText("workerId", "id", String(args.id)),
          arg === undefined ? undefined : args[arg.name],
          Object.fromEntries((flags ?? []).map((flag) => [flag.name, args[flag.name] === true])),
        ),
    }),
  );
}
