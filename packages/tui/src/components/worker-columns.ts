import type { WorkerEntry } from "../data/fleet-reducer";
import { hourlyCost } from "../data/selectors";
import { fit, formatDuration, formatMoney, scheduledActionText, sparkline } from "../format";
import { licenseColor, serviceColor, statusColor, type ThemeColor, theme } from "../theme";
import { statusCheckCell } from "./status-check-text";

export interface Cell {
  readonly text: string;
  readonly color?: ThemeColor;
}

interface ColumnSpec {
  /** What `:columns` calls it. */
  readonly id: string;
  readonly title: string;
  /** What the column shows, for the `:columns` chooser. */
  readonly about: string;
  readonly width: number;
  /** Lower keeps its place longer when the terminal narrows. */
  readonly priority: number;
  readonly align: "left" | "right";
  readonly cell: (entry: WorkerEntry, now: number) => Cell;
}

export interface Column extends ColumnSpec {}

const SPARK_WIDTH = 10;
const NAME_MIN = 12;
const NAME_MAX = 32;
const GAP = 1;
const NONE_HIDDEN: ReadonlySet<string> = new Set();

function idleCell(entry: WorkerEntry, now: number): Cell {
  const { idle } = entry.worker;
  const keepAlive = idle.keepAliveUntil ? Date.parse(idle.keepAliveUntil) : 0;
  if (keepAlive > now) {
    return { text: `kept ${formatDuration(keepAlive - now)}`, color: theme.info };
  }
  if (!idle.isIdle || !idle.idleSince) {
    return { text: "-", color: theme.muted };
  }
  const idleFor = formatDuration(now - Date.parse(idle.idleSince));
  if (!idle.enabled || !idle.autoStopAt) {
    return { text: idleFor };
  }
  const remaining = Date.parse(idle.autoStopAt) - now;
  return {
    text: `${idleFor} stop ${formatDuration(remaining)}`,
    color: remaining < 5 * 60_000 ? theme.danger : theme.warning,
  };
}

/** The worker's schedule and what it does next: "lab-hours START 08:10" (the monitor's local time). */
function scheduleCell({ worker }: WorkerEntry, now: number): Cell {
  if (!worker.schedule) {
    return { text: "-", color: theme.muted };
  }
  const next = worker.nextScheduledAction;
  return next
    ? { text: `${worker.schedule.name} ${scheduledActionText(next, now)}`, color: theme.info }
    : { text: worker.schedule.name };
}

const COLUMN_SPECS: readonly ColumnSpec[] = [
  {
    id: "name",
    about: "worker name (always shown)",
    title: "NAME",
    width: NAME_MIN,
    priority: 0,
    align: "left",
    cell: ({ worker }) => ({ text: worker.name }),
  },
  {
    id: "region",
    about: "AWS region",
    title: "REGION",
    width: 14,
    priority: 3,
    align: "left",
    cell: ({ worker }) => ({ text: worker.region }),
  },
  {
    id: "status",
    about: "EC2 status",
    title: "STATUS",
    width: 13,
    priority: 0,
    align: "left",
    cell: ({ worker }) => ({ text: worker.status, color: statusColor[worker.status] }),
  },
  {
    id: "owner",
    about: "who owns the worker (a token's name or an OIDC user)",
    title: "OWNER",
    width: 12,
    priority: 6,
    align: "left",
    cell: ({ worker }) => (worker.owner ? { text: worker.owner } : { text: "-", color: theme.muted }),
  },
  {
    id: "service",
    about: "CML service status",
    title: "CML",
    width: 11,
    priority: 4,
    align: "left",
    cell: ({ worker }) => ({ text: worker.serviceStatus, color: serviceColor[worker.serviceStatus] }),
  },
  {
    id: "checks",
    about: "EC2 status checks (system, instance)",
    title: "CHECKS",
    width: 8,
    priority: 5,
    align: "left",
    cell: ({ worker }) => statusCheckCell(worker.statusChecks),
  },
  {
    id: "license",
    about: "CML license registration",
    title: "LICENSE",
    width: 13,
    priority: 5,
    align: "left",
    cell: ({ worker }) => ({ text: worker.license.status, color: licenseColor[worker.license.status] }),
  },
  {
    id: "nodes",
    about: "running nodes / started labs",
    title: "NODES/LABS",
    width: 10,
    priority: 4,
    align: "right",
    cell: ({ worker }) => ({
      text: `${worker.telemetry?.runningNodes ?? "-"}/${worker.telemetry?.startedLabs ?? worker.labs.length}`,
    }),
  },
  {
    id: "cpu",
    about: "CPU now",
    title: "CPU",
    width: 4,
    priority: 1,
    align: "right",
    cell: ({ worker }) => {
      const cpu = worker.telemetry?.cpuPercent;
      return cpu === null || cpu === undefined
        ? { text: "-", color: theme.muted }
        : { text: `${Math.round(cpu)}%` };
    },
  },
  {
    id: "spark",
    about: "CPU history",
    title: "",
    width: SPARK_WIDTH,
    priority: 7,
    align: "left",
    cell: ({ cpu }) => ({
      text: sparkline(
        cpu.map((sample) => sample.cpu),
        SPARK_WIDTH,
      ),
      color: theme.accent,
    }),
  },
  {
    id: "idle",
    about: "idle time, auto-stop countdown or keep-alive",
    title: "IDLE / AUTO-STOP",
    width: 20,
    priority: 2,
    align: "left",
    cell: idleCell,
  },
  {
    id: "schedule",
    about: "schedule and its next action (START 08:10)",
    title: "SCHEDULE / NEXT",
    width: 22,
    priority: 6,
    align: "left",
    cell: scheduleCell,
  },
  {
    id: "cost",
    about: "USD per hour",
    title: "$/H",
    width: 6,
    priority: 2,
    align: "right",
    cell: ({ worker }) => {
      const cost = hourlyCost(worker);
      return cost > 0 ? { text: formatMoney(cost) } : { text: formatMoney(0), color: theme.muted };
    },
  },
];

/** Every column, in table order, for `:columns`. */
export const COLUMN_CHOICES: readonly Pick<ColumnSpec, "id" | "title" | "about">[] = COLUMN_SPECS.map(
  ({ id, title, about }) => ({ id, title, about }),
);

/** The one column a person may not hide: a row without it names no worker. */
export const ALWAYS_SHOWN_COLUMN = "name";

/**
 * The columns that fit `width`, less the ones hidden with `:columns`: the least important drop first, and
 * the name takes whatever room is left (up to a limit), so a row is always one line.
 */
export function layoutColumns(width: number, hidden: ReadonlySet<string> = NONE_HIDDEN): Column[] {
  let columns = COLUMN_SPECS.filter((column) => column.id === ALWAYS_SHOWN_COLUMN || !hidden.has(column.id));
  const used = (list: readonly ColumnSpec[]) => list.reduce((sum, column) => sum + column.width + GAP, -GAP);
  while (used(columns) > width && columns.length > 1) {
    const weakest = Math.max(...columns.map((column) => column.priority));
    const index = columns.findLastIndex((column) => column.priority === weakest);
    columns = columns.filter((_, i) => i !== index);
  }
  const spare = Math.max(0, width - used(columns));
  return columns.map((column) =>
    column.id === "name"
      ? { ...column, width: Math.min(NAME_MAX, Math.max(1, Math.min(width, column.width + spare))) }
      : column,
  );
}

export function headerCells(columns: readonly Column[]): Cell[] {
  return columns.map((column) => ({ text: fit(column.title, column.width, column.align) }));
}

export function rowCells(columns: readonly Column[], entry: WorkerEntry, now: number): Cell[] {
  return columns.map((column) => {
    const cell = column.cell(entry, now);
    return { ...cell, text: fit(cell.text, column.width, column.align) };
  });
}
