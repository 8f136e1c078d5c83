import { checkOptionalText, checkText } from "@cml-fleet/core/domain/input-text";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { costOf, idleStateOf } from "@cml-fleet/core/domain/worker-insights";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { builder } from "../builder";
import { AUTO_STOP_EVENT_WINDOW, boundedFirst } from "../list-bounds";
import { selectsPath } from "../selected-path";
import { onlyAbout } from "../topic-subscription";
import { forSubscriber, onOwnedWorker, visibleWorker } from "../worker-ownership";
import { ServiceStatusEnum, WorkerStatusEnum } from "./enums";
import { FleetEventRef } from "./fleet-event";
import { JobRef } from "./job";
import { TagRef, tagEntries } from "./tag";
import { IdleStateRef, LabRef, LicenseRef, TelemetryRef, WorkerCostRef } from "./worker-details";

export const WorkerRef = builder.objectRef<Worker>("Worker");

WorkerRef.implement({
  description: "A CML server on an EC2 instance, managed by the fleet.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    region: t.exposeString("region"),
    instanceType: t.exposeString("instanceType"),
    amiId: t.exposeString("amiId"),
    amiName: t.exposeString("amiName", { nullable: true }),
    cmlVersion: t.exposeString("cmlVersion", { nullable: true }),
    instanceId: t.exposeString("instanceId", { nullable: true }),
    publicIp: t.exposeString("publicIp", { nullable: true }),
    privateIp: t.exposeString("privateIp", { nullable: true }),
    endpoint: t.exposeString("endpoint", { nullable: true }),
    status: t.expose("status", { type: WorkerStatusEnum }),
    desiredStatus: t.expose("desiredStatus", { type: WorkerStatusEnum }),
    statusReason: t.exposeString("statusReason", { nullable: true }),
    serviceStatus: t.expose("serviceStatus", { type: ServiceStatusEnum }),
    license: t.field({ type: LicenseRef, resolve: (worker) => worker.license }),
    telemetry: t.field({ type: TelemetryRef, nullable: true, resolve: (worker) => worker.telemetry }),
    recentTelemetry: t.field({
      type: [TelemetryRef],
      description: "The latest samples, oldest first (for sparklines).",
      args: { first: t.arg.int({ defaultValue: 30 }) },
      resolve: (worker, args, context) =>
        context.loaders.recentTelemetry(boundedFirst("first", args.first, 30)).load(worker.id),
    }),
    labs: t.field({ type: [LabRef], resolve: (worker) => worker.labs }),
    idle: t.field({
      type: IdleStateRef,
      resolve: (worker, _args, context) =>
        idleStateOf(worker, context.reads.settings.idle, context.reads.clock.now()),
    }),
    cost: t.field({
      type: WorkerCostRef,
      resolve: async (worker, _args, context) => {
        const [{ history, autoStops }, prices] = await Promise.all([
          context.loaders.costInputs.load(worker.id),
          context.reads.prices.current(),
        ]);
        return costOf(worker, history, autoStops, prices, context.reads.clock.now());
      },
    }),
    tags: t.field({ type: [TagRef], resolve: (worker) => tagEntries(worker.tags) }),
    events: t.field({
      type: [FleetEventRef],
      description: "The worker's latest events, newest first.",
      args: { first: t.arg.int() },
      resolve: (worker, args, context) =>
        context.loaders.events(boundedFirst("first", args.first, 20)).load(worker.id),
    }),
    activeJob: t.field({
      type: JobRef,
      nullable: true,
      description: "The lifecycle job still queued or running for this worker.",
      resolve: (worker, _args, context) => context.loaders.activeJob.load(worker.id),
    }),
    createdBy: t.exposeString("createdBy", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.queryField("worker", (t) =>
  t.field({
    type: WorkerRef,
    nullable: true,
    // A USER naming a worker it does not own (or none) gets NOT_FOUND; for the ranked roles an unknown id is null.
    authScopes: onOwnedWorker("id", { role: "VIEWER", user: "read" }),
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context, info) => {
      const id = checkText("workerId", "id", args.id);
      if (!selectsPath(info, ["cost"])) {
        return visibleWorker(context, await context.reads.workers.findById(id));
      }
      // The cost inputs come with the worker (one statement, not two); the cost resolver finds them loaded.
      const found = await context.reads.workers.findByIdWithCostInputs(id, AUTO_STOP_EVENT_WINDOW);
      if (found === null) {
        return null;
      }
      context.loaders.costInputs.prime(found.worker.id, found.costInputs);
      return visibleWorker(context, found.worker);
    },
  }),
);

builder.subscriptionField("workerChanged", (t) =>
  t.field({
    type: WorkerRef,
    description: "The whole current worker after each change; keep the copy with the newest updatedAt.",
    authScopes: onOwnedWorker("id", { role: "VIEWER", user: "read" }),
    args: { id: t.arg.id() },
    subscribe: (_root, args, context) =>
      forSubscriber(
        context,
        onlyAbout(
          context.pubsub.subscribe(TOPICS.workerChanged),
          checkOptionalText("workerId", "id", args.id),
          (worker) => worker.id,
        ),
        (worker) => worker.id,
        (worker) => worker.owner ?? null,
      ),
    resolve: (worker) => worker,
  }),
);
