import type { CmlLab, LicenseState, TelemetrySnapshot } from "@cml-fleet/core/domain/worker";
import type { IdleStateView, WorkerCostView } from "@cml-fleet/core/domain/worker-insights";
import { builder } from "../builder";
import { LicenseStatusEnum } from "./enums";

export const LicenseRef = builder.objectRef<LicenseState>("License").implement({
  fields: (t) => ({
    status: t.expose("status", { type: LicenseStatusEnum }),
    nodeLimit: t.exposeInt("nodeLimit", { nullable: true }),
    nodesInUse: t.exposeInt("nodesInUse", { nullable: true }),
  }),
});

export const TelemetryRef = builder.objectRef<TelemetrySnapshot>("Telemetry").implement({
  fields: (t) => ({
    sampledAt: t.expose("sampledAt", { type: "DateTime" }),
    cpuPercent: t.exposeFloat("cpuPercent", { nullable: true }),
    memoryPercent: t.exposeFloat("memoryPercent", { nullable: true }),
    runningNodes: t.exposeInt("runningNodes", { nullable: true }),
    startedLabs: t.exposeInt("startedLabs", { nullable: true }),
    networkInBytes: t.exposeFloat("networkInBytes", { nullable: true }),
    networkOutBytes: t.exposeFloat("networkOutBytes", { nullable: true }),
    cmlReachable: t.exposeBoolean("cmlReachable"),
  }),
});

export const LabRef = builder.objectRef<CmlLab>("Lab").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    title: t.exposeString("title"),
    state: t.exposeString("state"),
  }),
});

export const IdleStateRef = builder.objectRef<IdleStateView>("IdleState").implement({
  fields: (t) => ({
    enabled: t.exposeBoolean("enabled"),
    thresholdMinutes: t.exposeFloat("thresholdMinutes"),
    isIdle: t.exposeBoolean("isIdle"),
    lastActivityAt: t.expose("lastActivityAt", { type: "DateTime", nullable: true }),
    idleSince: t.expose("idleSince", { type: "DateTime", nullable: true }),
    autoStopAt: t.expose("autoStopAt", { type: "DateTime", nullable: true }),
    keepAliveUntil: t.expose("keepAliveUntil", { type: "DateTime", nullable: true }),
  }),
});

export const WorkerCostRef = builder.objectRef<WorkerCostView>("WorkerCost").implement({
  fields: (t) => ({
    hourlyRate: t.exposeFloat("hourlyRate", { description: "USD per hour while running." }),
    accrued: t.exposeFloat("accrued", {
      description: "USD spent running, from the worker's status history.",
    }),
    savedByAutoStop: t.exposeFloat("savedByAutoStop", {
      description: "USD not spent because the idle policy stopped the worker.",
    }),
  }),
});
