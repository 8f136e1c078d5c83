import { Box, Text } from "ink";
import type { ConnectionState, Viewer } from "../data/fleet-types";
import { WORKER_STATUSES } from "../data/fleet-types";
import type { FleetTotals } from "../data/selectors";
import { formatDuration, formatMoney } from "../format";
import { printable } from "../terminal-text";
import { connectionColor, statusColor, theme } from "../theme";

export interface HeaderProps {
  readonly totals: FleetTotals;
  readonly connection: ConnectionState;
  readonly viewer: Viewer | null;
  readonly readonly: boolean;
  readonly now: number;
}

export function connectionLabel(connection: ConnectionState, now: number): string {
  switch (connection.kind) {
    case "connecting":
      return "connecting…";
    case "live":
      return "● live";
    case "reconnecting": {
      const wait =
        connection.retryAt === null ? "trying now" : `retry in ${formatDuration(connection.retryAt - now)}`;
      return `reconnecting (${wait})`;
    }
  }
}

/** Two lines: identity and connection, then fleet totals. */
export function Header({ totals, connection, viewer, readonly, now }: HeaderProps) {
  const statuses = WORKER_STATUSES.filter((status) => (totals.byStatus.get(status) ?? 0) > 0);
  return (
    <Box flexDirection="column" height={2}>
      <Text wrap="truncate">
        <Text bold color={theme.title}>
          cml-fleet
        </Text>
        <Text color={connectionColor[connection.kind]}> {connectionLabel(connection, now)}</Text>
        {viewer ? (
          <Text color={theme.muted}>{`  ${printable(viewer.name)} (${printable(viewer.role)})`}</Text>
        ) : null}
        {readonly ? <Text color={theme.warning}> read-only</Text> : null}
      </Text>
      <Text wrap="truncate">
        <Text bold>{totals.total} workers</Text>
        {statuses.map((status) => (
          <Text key={status} color={statusColor[status]}>
            {`  ${status.toLowerCase()} ${totals.byStatus.get(status) ?? 0}`}
          </Text>
        ))}
        <Text color={theme.warning}>{`  idle ${totals.idle}`}</Text>
        <Text>{`  ${formatMoney(totals.hourlyCost)}/h`}</Text>
        <Text color={theme.ok}>{`  saved ${formatMoney(totals.savedByAutoStop)}`}</Text>
      </Text>
    </Box>
  );
}
