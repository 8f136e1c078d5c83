import { Box, Text } from "ink";
import type { Schedule } from "../data/fleet-types";
import { fit, formatDuration, scheduledActionText } from "../format";
import type { ReadState } from "../hooks/use-read-while";
import { printable } from "../terminal-text";
import { type ThemeColor, theme } from "../theme";
import { closedDatesText, windowsText } from "./schedule-text";

export interface SchedulesViewProps {
  readonly schedules: ReadState<readonly Schedule[]>;
  readonly now: number;
  readonly width: number;
  readonly height: number;
}

interface Line {
  readonly key: string;
  readonly text: string;
  readonly color?: ThemeColor;
  readonly bold?: boolean;
}

/** Each schedule on a line (zone, windows, closed dates, ready-at-start), its workers' next actions under it. */
function scheduleLines(schedules: readonly Schedule[], now: number, width: number): Line[] {
  const today = new Date(now).toISOString().slice(0, 10);
  const windowsWidth = Math.max(20, width - 16 - 20 - 24 - 6 - 8 - 5);
  const lines: Line[] = [];
  for (const schedule of schedules) {
    lines.push({
      key: schedule.id,
      bold: true,
      text: [
        fit(schedule.name, 16),
        fit(schedule.timeZone, 20),
        fit(windowsText(schedule), windowsWidth),
        fit(closedDatesText(schedule.closedDates, today), 24),
        fit(schedule.readyAtStart ? "yes" : "no", 6),
        fit(String(schedule.workers.length), 8, "right"),
      ].join(" "),
    });
    for (const worker of schedule.workers) {
      const next = worker.nextScheduledAction;
      lines.push({
        key: `${schedule.id}/${worker.id}`,
        color: next ? theme.info : theme.muted,
        text: `  ${fit(worker.name, 24)} ${
          next
            ? `${scheduledActionText(next, now)} (in ${formatDuration(Date.parse(next.at) - now)})`
            : "no action ahead"
        }`,
      });
    }
  }
  return lines;
}

/** The `:schedules` view: every schedule, and when each of its workers starts or stops next. */
export function SchedulesView({ schedules, now, width, height }: SchedulesViewProps) {
  const windowsWidth = Math.max(20, width - 16 - 20 - 24 - 6 - 8 - 5);
  const header = [
    fit("SCHEDULE", 16),
    fit("ZONE", 20),
    fit("WINDOWS", windowsWidth),
    fit("CLOSED", 24),
    fit("READY", 6),
    fit("WORKERS", 8, "right"),
  ].join(" ");
  const lines = schedules.kind === "loaded" ? scheduleLines(schedules.value, now, width) : [];
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold wrap="truncate">
        {header}
      </Text>
      {schedules.kind === "loading" ? <Text color={theme.muted}>Reading the schedules…</Text> : null}
      {schedules.kind === "failed" ? (
        <Text color={theme.danger} wrap="truncate">
          {`Schedules: ${printable(schedules.message)}`}
        </Text>
      ) : null}
      {schedules.kind === "loaded" && schedules.value.length === 0 ? (
        <Text color={theme.muted}>No schedules</Text>
      ) : null}
      {lines.slice(0, Math.max(0, height - 1)).map((line) => (
        <Text key={line.key} wrap="truncate" color={line.color} bold={line.bold}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
