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
    hourlyRate: t.exposeFloat("hourlyRate", {
      description: "USD per hour of the instance while it runs (its EBS storage is storageHourlyRate).",
    }),
    priceSource: t.exposeString("priceSource", {
      description: "Where hourlyRate comes from: configured, aws-price-list or static-2025.",
    }),
    storageHourlyRate: t.exposeFloat("storageHourlyRate", {
      description: "USD per hour of the worker's EBS volumes, billed whether it runs or is stopped.",
    }),
    storageGiB: t.exposeInt("storageGiB", {
      nullable: true,
      description: "Size of the worker's EBS volumes; null until the price refresh has seen them.",
    }),
    storagePriceSource: t.exposeString("storagePriceSource", {
      description: "Where the EBS price per GB-month comes from: aws-price-list or static-2025.",
    }),
    hourlyCost: t.exposeFloat("hourlyCost", {
      description: "USD per hour in the current status: instance and storage, storage alone while stopped.",
    }),
    accrued: t.exposeFloat("accrued", {
      description:
        "USD spent, from the worker's status history: instance-hours, and storage while it had volumes.",
    }),
    savedByAutoStop: t.exposeFloat("savedByAutoStop", {
      description:
        "USD not spent because the idle policy stopped the worker: the instance-hours only, as storage is billed either way.",
    }),
  }),
});
