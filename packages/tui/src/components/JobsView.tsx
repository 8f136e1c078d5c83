import { Box, Text } from "ink";
import type { Job } from "../data/fleet-types";
import { fit, formatDuration, progressBar } from "../format";
import { printableOr } from "../terminal-text";
import { jobStateColor, theme } from "../theme";

export interface JobsViewProps {
  /** Only the rows in the scrolling window. */
  readonly rows: readonly Job[];
  readonly total: number;
  readonly selectedId: string | null;
  readonly workerNames: ReadonlyMap<string, string>;
  readonly now: number;
  readonly width: number;
  readonly height: number;
}

export function JobsView({ rows, total, selectedId, workerNames, now, width, height }: JobsViewProps) {
  const wide = width >= 100;
  const header = [
    fit("JOB", 18),
    fit("WORKER", 16),
    fit("STATE", 9),
    fit("PROGRESS", 16),
    fit("TRIES", 5, "right"),
    wide ? fit("AGE", 7, "right") : "",
    "LAST ERROR",
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold wrap="truncate">
        {header}
      </Text>
      {total === 0 ? <Text color={theme.muted}>No jobs</Text> : null}
      {rows.map((job) => {
        const selected = job.id === selectedId;
        return (
          <Text key={job.id} wrap="truncate" inverse={selected}>
            {`${fit(job.name, 18)} ${fit(job.workerId ? (workerNames.get(job.workerId) ?? job.workerId) : "-", 16)} `}
            <Text color={selected ? undefined : jobStateColor[job.state]}>{fit(job.state, 9)}</Text>
            {` ${fit(progressBar(job.progress, 9), 16)} ${fit(String(job.attempts), 5, "right")} `}
            {wide ? `${fit(formatDuration(now - Date.parse(job.createdAt)), 7, "right")} ` : ""}
            <Text color={selected ? undefined : theme.danger}>{printableOr(job.failedReason, "")}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
