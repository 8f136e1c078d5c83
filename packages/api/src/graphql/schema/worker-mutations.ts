import type { WorkerJobResult } from "../../services/worker-commands.service";
import { builder } from "../builder";
import { JobRef } from "./job";
import { TagInput } from "./tag";
import { WorkerRef } from "./worker";

const WorkerJobPayloadRef = builder.objectRef<WorkerJobResult>("WorkerJobPayload").implement({
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
    resolve: (_root, { input }, context) =>
      context.services.workerCommands.createWorker(context.access.require("createWorker"), input),
  }),
  startWorker: t.field({
    type: WorkerJobPayloadRef,
    authScopes: { role: "OPERATOR" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerCommands.startWorker(context.access.require("startWorker"), String(args.id)),
  }),
  stopWorker: t.field({
    type: WorkerJobPayloadRef,
    authScopes: { role: "OPERATOR" },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: (_root, args, context) =>
      context.services.workerCommands.stopWorker(
        context.access.require("stopWorker"),
        String(args.id),
        args.reason ?? null,
      ),
  }),
  terminateWorker: t.field({
    type: WorkerJobPayloadRef,
    authScopes: { role: "ADMIN" },
    args: {
      id: t.arg.id({ required: true }),
      force: t.arg.boolean({
        defaultValue: false,
        description: "Stop running labs first, so the license can be deregistered.",
      }),
    },
    resolve: (_root, args, context) =>
      context.services.workerCommands.terminateWorker(
        context.access.require("terminateWorker"),
        String(args.id),
        args.force ?? false,
      ),
  }),
  refreshWorker: t.field({
    type: WorkerJobPayloadRef,
    authScopes: { role: "OPERATOR" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerCommands.refreshWorker(context.access.require("refreshWorker"), String(args.id)),
  }),
  registerLicense: t.field({
    type: WorkerJobPayloadRef,
    authScopes: { role: "ADMIN" },
    args: {
      id: t.arg.id({ required: true }),
      token: t.arg.string({ description: "A license token; the fleet's CML_LICENSE_TOKEN when omitted." }),
    },
    resolve: (_root, args, context) =>
      context.services.workerCommands.registerLicense(
        context.access.require("registerLicense"),
        String(args.id),
        args.token ?? null,
      ),
  }),
  deregisterLicense: t.field({
    type: WorkerJobPayloadRef,
    authScopes: { role: "ADMIN" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerCommands.deregisterLicense(
        context.access.require("deregisterLicense"),
        String(args.id),
      ),
  }),
  setWorkerTags: t.field({
    type: WorkerRef,
    authScopes: { role: "OPERATOR" },
    args: { id: t.arg.id({ required: true }), tags: t.arg({ type: [TagInput], required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerSettings.setTags(
        context.access.require("setWorkerTags"),
        String(args.id),
        args.tags,
      ),
  }),
  setIdlePolicy: t.field({
    type: WorkerRef,
    authScopes: { role: "OPERATOR" },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: IdlePolicyInput, required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerSettings.setIdlePolicy(
        context.access.require("setIdlePolicy"),
        String(args.id),
        args.input,
      ),
  }),
  keepAlive: t.field({
    type: WorkerRef,
    description: "No auto-stop before `until`; an instant in the past clears it.",
    authScopes: { role: "OPERATOR" },
    args: { id: t.arg.id({ required: true }), until: t.arg({ type: "DateTime", required: true }) },
    resolve: (_root, args, context) =>
      context.services.workerSettings.keepAlive(
        context.access.require("keepAlive"),
        String(args.id),
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
