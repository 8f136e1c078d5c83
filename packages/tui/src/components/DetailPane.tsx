import { Box, Text } from "ink";
import type { WorkerEntry } from "../data/fleet-reducer";
import type { FleetEvent, Job, Snapshot } from "../data/fleet-types";
import { formatDuration, formatMoney, progressBar, scheduledActionText, sparkline } from "../format";
import type { ReadState } from "../hooks/use-read-while";
import { printable } from "../terminal-text";
import { jobStateColor, licenseColor, serviceColor, statusColor, type ThemeColor, theme } from "../theme";
import { type StatusChecksView, statusCheckDetail } from "./status-check-text";

export interface DetailPaneProps {
  readonly entry: WorkerEntry;
  readonly activeJob: Job | null;
  /** This worker's events, newest first. */
  readonly events: readonly FleetEvent[];
  /** The worker's snapshots, newest first (read when the pane opens). */
  readonly snapshots: ReadState<readonly Snapshot[]>;
  readonly now: number;
  readonly width: number;
  readonly height: number;
}

interface Line {
  readonly key: string;
  readonly label?: string;
  readonly value: string;
  readonly color?: ThemeColor;
}

function ago(iso: string | null, now: number): string {
  return iso ? `${formatDuration(now - Date.parse(iso))} ago` : "-";
}

function until(iso: string | null, now: number): string {
  return iso ? `in ${formatDuration(Date.parse(iso) - now)}` : "-";
}

/** The two EC2 status checks and when the last sweep read them. */
function statusCheckLine(checks: StatusChecksView | null, now: number): Line {
  const { text, color } = statusCheckDetail(checks, (iso) => ago(iso, now));
  return { key: "checks", label: "status checks", value: text, color };
}

function factLines({ worker, cpu }: WorkerEntry, now: number): Line[] {
  const t = worker.telemetry;
  const pct = (value: number | null | undefined) =>
    value === null || value === undefined ? "-" : `${Math.round(value)}%`;
  return [
    {
      key: "status",
      label: "status",
      value: `${worker.status} (wants ${worker.desiredStatus})`,
      color: statusColor[worker.status],
    },
    { key: "reason", label: "reason", value: worker.statusReason ?? "-" },
    { key: "region", label: "region", value: `${worker.region}  ${worker.instanceType}` },
    {
      key: "ami",
      label: "image",
      value: `${worker.amiName ?? worker.amiId}  CML ${worker.cmlVersion ?? "?"}`,
    },
    { key: "instance", label: "instance", value: worker.instanceId ?? "-" },
    { key: "ip", label: "addresses", value: `${worker.publicIp ?? "-"} / ${worker.privateIp ?? "-"}` },
    { key: "endpoint", label: "endpoint", value: worker.endpoint ?? "-" },
    {
      key: "service",
      label: "CML",
      // The reason names what fails (e.g. a compute CML's health reports down).
      value: worker.serviceStatusReason
        ? `${worker.serviceStatus}: ${worker.serviceStatusReason}`
        : worker.serviceStatus,
      color: serviceColor[worker.serviceStatus],
    },
    statusCheckLine(worker.statusChecks, now),
    {
      key: "license",
      label: "license",
      value: `${worker.license.status}  nodes ${worker.license.nodesInUse ?? "-"}/${worker.license.nodeLimit ?? "-"}`,
      color: licenseColor[worker.license.status],
    },
    {
      key: "cpu",
      label: "cpu / mem",
      value: `${pct(t?.cpuPercent)} / ${pct(t?.memoryPercent)}  ${sparkline(
        cpu.map((s) => s.cpu),
        20,
      ).trim()}`,
    },
    {
      key: "nodes",
      label: "nodes/labs",
      value: `${t?.runningNodes ?? "-"} / ${t?.startedLabs ?? worker.labs.length}`,
    },
    {
      key: "idle",
      label: "idle",
      value: worker.idle.isIdle ? `since ${ago(worker.idle.idleSince, now)}` : "no",
      color: worker.idle.isIdle ? theme.warning : undefined,
    },
    {
      key: "policy",
      label: "auto-stop",
      value: worker.idle.enabled
        ? `after ${worker.idle.thresholdMinutes}m idle, next ${until(worker.idle.autoStopAt, now)}`
        : "disabled",
    },
    { key: "activity", label: "last activity", value: ago(worker.idle.lastActivityAt, now) },
    { key: "keep", label: "keep-alive", value: until(worker.idle.keepAliveUntil, now) },
    { key: "owner", label: "owner", value: worker.owner ?? "-" },
    {
      key: "schedule",
      label: "schedule",
      value: worker.schedule
        ? `${worker.schedule.name}${
            worker.nextScheduledAction
              ? `, next ${scheduledActionText(worker.nextScheduledAction, now)} (${until(worker.nextScheduledAction.at, now)})`
              : ""
          }`
        : "none",
      color: worker.schedule ? theme.info : undefined,
    },
    {
      key: "cost",
      label: "cost",
      value: `${formatMoney(worker.cost.hourlyRate)}/h  accrued ${formatMoney(worker.cost.accrued)}  saved ${formatMoney(worker.cost.savedByAutoStop)}`,
    },
    {
      key: "created",
      label: "created",
      value: `${ago(worker.createdAt, now)} by ${worker.createdBy ?? "-"}`,
    },
    { key: "updated", label: "updated", value: ago(worker.updatedAt, now) },
  ];
}

/** Snapshots shown before "+N more". */
const SHOWN_SNAPSHOTS = 3;

const SNAPSHOT_STATE_COLOR: Readonly<Record<string, ThemeColor>> = {
  PENDING: theme.warning,
  COMPLETED: theme.ok,
  ERROR: theme.danger,
};

/** The worker's snapshots: state, age, size, id and description; how to take one. */
function snapshotLines(snapshots: ReadState<readonly Snapshot[]>, now: number): Line[] {
  if (snapshots.kind !== "loaded") {
    return [
      { key: "snapshots-title", value: "Snapshots", color: theme.title },
      snapshots.kind === "loading"
        ? { key: "snapshots-loading", value: "reading…", color: theme.muted }
        : { key: "snapshots-failed", value: snapshots.message, color: theme.danger },
    ];
  }
  const list = snapshots.value;
  const lines: Line[] = [{ key: "snapshots-title", value: `Snapshots (${list.length})`, color: theme.title }];
  for (const snapshot of list.slice(0, SHOWN_SNAPSHOTS)) {
    lines.push({
      key: `snapshot-${snapshot.id}`,
      value: `${snapshot.state.padEnd(9)} ${ago(snapshot.createdAt, now).padEnd(10)} ${
        snapshot.sizeGiB === null ? "?" : snapshot.sizeGiB
      } GiB  ${snapshot.snapshotId ?? "-"}  ${snapshot.description ?? ""}`,
      color: SNAPSHOT_STATE_COLOR[snapshot.state],
    });
  }
  if (list.length > SHOWN_SNAPSHOTS) {
    lines.push({
      key: "snapshots-more",
      value: `+${list.length - SHOWN_SNAPSHOTS} more`,
      color: theme.muted,
    });
  }
  lines.push({ key: "snapshots-hint", value: ":snapshot [description]", color: theme.muted });
  return lines;
}

/** Labs shown before "+N more": the list must leave room for the events. */
const SHOWN_LABS = 8;

/** The worker's labs with their states (started ones first in color), and how to stop them. */
function labLines(labs: WorkerEntry["worker"]["labs"]): Line[] {
  const started = labs.filter((lab) => STARTED_LAB_STATES.has(lab.state)).length;
  const lines: Line[] = [
    { key: "labs-title", value: `Labs (${labs.length}, ${started} started)`, color: theme.title },
  ];
  if (labs.length === 0) {
    lines.push({ key: "labs-none", value: "none", color: theme.muted });
    return lines;
  }
  for (const lab of labs.slice(0, SHOWN_LABS)) {
    lines.push({
      key: `lab-${lab.id}`,
      value: `${lab.state.padEnd(9)} ${lab.title || lab.id}  (${lab.id})`,
      color: STARTED_LAB_STATES.has(lab.state) ? theme.ok : theme.muted,
    });
  }
  if (labs.length > SHOWN_LABS) {
    lines.push({ key: "labs-more", value: `+${labs.length - SHOWN_LABS} more`, color: theme.muted });
  }
  lines.push({ key: "labs-hint", value: ":stoplab <id or title>  :stoplabs", color: theme.muted });
  return lines;
}

/** CML's states of a lab whose nodes run (or are on their way). */
const STARTED_LAB_STATES: ReadonlySet<string> = new Set(["STARTED", "BOOTED", "QUEUED"]);

function sideLines(
  { worker }: WorkerEntry,
  job: Job | null,
  events: readonly FleetEvent[],
  snapshots: ReadState<readonly Snapshot[]>,
  now: number,
): Line[] {
  const lines: Line[] = [{ key: "job-title", value: "Active job", color: theme.title }];
  if (job) {
    lines.push(
      {
        key: "job",
        value: `${job.name}  ${job.state}  attempt ${job.attempts}`,
        color: jobStateColor[job.state],
      },
      { key: "job-bar", value: `${progressBar(job.progress, 20)} ${job.step ?? ""}` },
    );
  } else {
    lines.push({ key: "job-none", value: "none", color: theme.muted });
  }
  lines.push({ key: "tags-title", value: "Tags", color: theme.title });
  lines.push(
    worker.tags.length === 0
      ? { key: "tags-none", value: "none", color: theme.muted }
      : { key: "tags", value: worker.tags.map((tag) => `${tag.key}=${tag.value}`).join("  ") },
  );
  lines.push(...labLines(worker.labs));
  lines.push(...snapshotLines(snapshots, now));
  lines.push({ key: "events-title", value: "Recent events", color: theme.title });
  for (const event of events.slice(0, 10)) {
    lines.push({ key: `event-${event.id}`, value: `${event.at.slice(11, 19)} ${event.message}` });
  }
  return lines;
}

function LineList({ lines, height, width }: { lines: readonly Line[]; height: number; width: number }) {
  return (
    <Box flexDirection="column" height={height} width={width} overflowY="hidden">
      {lines.slice(0, height).map((line) => (
        <Text key={line.key} wrap="truncate" bold={line.label === undefined && line.color === theme.title}>
          {line.label ? <Text color={theme.muted}>{line.label.padEnd(14)}</Text> : null}
          {/* Values hold the API's text (names, tags, lab titles, event messages): drawn printable. */}
          <Text color={line.color}>{printable(line.value)}</Text>
        </Text>
      ))}
    </Box>
  );
}

/** Everything about one worker; two columns when there is room, one otherwise. */
export function DetailPane({ entry, activeJob, events, snapshots, now, width, height }: DetailPaneProps) {
  const title = printable(`${entry.worker.name}  ${entry.worker.id}`);
  const facts = factLines(entry, now);
  const side = sideLines(entry, activeJob, events, snapshots, now);
  const body = Math.max(0, height - 1);
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold color={theme.accent} wrap="truncate">
        {title}
      </Text>
      {width >= 90 ? (
        <Box flexDirection="row" height={body}>
          <LineList lines={facts} height={body} width={Math.floor(width / 2)} />
          <LineList lines={side} height={body} width={width - Math.floor(width / 2)} />
        </Box>
      ) : (
        <LineList lines={[...facts, ...side]} height={body} width={width} />
      )}
    </Box>
  );
}
