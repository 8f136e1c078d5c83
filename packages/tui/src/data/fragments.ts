/**
 * The field sets the monitor selects wherever a record appears (queries and
 * subscriptions alike), so a worker from the snapshot and one from the stream
 * have the same shape. Their result types are the TUI's record types
 * (fleet-types.ts).
 */
import { graphql } from "./graphql";

export const JobFields = graphql(`
  fragment JobFields on Job {
    id name workerId state progress step attempts failedReason createdAt finishedAt
  }
`);

export const TelemetryFields = graphql(`
  fragment TelemetryFields on Telemetry {
    sampledAt cpuPercent memoryPercent runningNodes startedLabs
  }
`);

export const WorkerFields = graphql(
  `
  fragment WorkerFields on Worker {
    id name region instanceType amiId amiName cmlVersion instanceId publicIp privateIp endpoint
    status desiredStatus statusReason serviceStatus serviceStatusReason
    license { status nodeLimit nodesInUse }
    telemetry { ...TelemetryFields }
    statusChecks { system instance checkedAt }
    labs { id title state }
    idle { enabled thresholdMinutes isIdle lastActivityAt idleSince autoStopAt keepAliveUntil }
    cost { hourlyRate accrued savedByAutoStop }
    tags { key value }
    activeJob { ...JobFields }
    owner
    schedule { id name }
    nextScheduledAction { action at }
    createdBy createdAt updatedAt
  }
`,
  [TelemetryFields, JobFields],
);

export const EventFields = graphql(`
  fragment EventFields on FleetEvent {
    id type workerId at message actor
  }
`);
