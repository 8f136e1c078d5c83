import type {
  ConnectionState,
  JobState,
  LicenseStatus,
  ServiceStatus,
  WorkerStatus,
} from "./data/fleet-types";

/** Named colour tokens: components never spell a colour themselves. */
export const theme = {
  accent: "cyan",
  muted: "gray",
  ok: "green",
  warning: "yellow",
  danger: "red",
  info: "blue",
  title: "magentaBright",
  key: "cyan",
  selection: "blue",
} as const;

export type ThemeColor = (typeof theme)[keyof typeof theme];

export const statusColor: Record<WorkerStatus, ThemeColor> = {
  PENDING: theme.warning,
  RUNNING: theme.ok,
  STOPPING: theme.warning,
  STOPPED: theme.muted,
  SHUTTING_DOWN: theme.warning,
  TERMINATED: theme.muted,
  FAILED: theme.danger,
  UNKNOWN: theme.danger,
};

export const serviceColor: Record<ServiceStatus, ThemeColor> = {
  UNKNOWN: theme.muted,
  UNAVAILABLE: theme.muted,
  STARTING: theme.warning,
  AVAILABLE: theme.ok,
  ERROR: theme.danger,
};

export const licenseColor: Record<LicenseStatus, ThemeColor> = {
  UNKNOWN: theme.muted,
  UNREGISTERED: theme.muted,
  REGISTERING: theme.warning,
  REGISTERED: theme.ok,
  DEREGISTERING: theme.warning,
  EVALUATION: theme.info,
  EXPIRED: theme.danger,
  INVALID: theme.danger,
};

export const jobStateColor: Record<JobState, ThemeColor> = {
  WAITING: theme.muted,
  DELAYED: theme.warning,
  ACTIVE: theme.accent,
  COMPLETED: theme.ok,
  FAILED: theme.danger,
};

export const connectionColor: Record<ConnectionState["kind"], ThemeColor> = {
  connecting: theme.warning,
  live: theme.ok,
  reconnecting: theme.danger,
};
