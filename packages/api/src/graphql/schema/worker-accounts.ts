import { builder } from "../builder";
import { WorkerRef } from "./worker";

/**
 * Which AWS account a worker lives in, and adopting instances of any
 * configured account. An account is a key of `AWS_ACCOUNTS` (deployments key
 * their accounts by the 12-digit AWS account id; the built-in default is
 * `default`, the process's own credentials). Every job on a worker uses its
 * account's credentials.
 */
builder.objectFields(WorkerRef, (t) => ({
  accountId: t.string({
    description:
      "The AWS account the instance lives in: the key of AWS_ACCOUNTS it was created or imported in (AWS_DEFAULT_ACCOUNT unless createWorker named another).",
    resolve: (worker) => worker.accountId,
  }),
}));

builder.mutationFields((t) => ({
  importAccountWorkers: t.field({
    type: [WorkerRef],
    description:
      "Like importWorkers, in one of the configured accounts (a key of AWS_ACCOUNTS): adopts its fleet-tagged instances (or the given ones) of a region; waits for the import job.",
    authScopes: { role: "ADMIN" },
    args: {
      accountId: t.arg.string({ required: true }),
      region: t.arg.string({ required: true }),
      instanceIds: t.arg.stringList(),
    },
    resolve: (_root, args, context) =>
      context.services.workerImport.importAccountWorkers(
        context.access.require("importAccountWorkers"),
        args.accountId,
        args.region,
        args.instanceIds ?? null,
      ),
  }),
}));
