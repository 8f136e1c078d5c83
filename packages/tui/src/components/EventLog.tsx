import { Box, Text } from "ink";
import type { FleetEvent } from "../data/fleet-types";
import { printable } from "../terminal-text";
import { theme } from "../theme";

export interface EventLogProps {
  /** Newest first. */
  readonly events: readonly FleetEvent[];
  readonly workerNames: ReadonlyMap<string, string>;
  /** Lines, title included. */
  readonly height: number;
  readonly title?: string;
}

function clock(iso: string): string {
  return new Date(iso).toISOString().slice(11, 19);
}

export function EventLog({ events, workerNames, height, title = "Events" }: EventLogProps) {
  const shown = events.slice(0, Math.max(0, height - 1));
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold color={theme.title} wrap="truncate">
        {title}
      </Text>
      {shown.length === 0 ? <Text color={theme.muted}>No events yet</Text> : null}
      {shown.map((event) => {
        const name = printable(event.workerId ? (workerNames.get(event.workerId) ?? "-") : "fleet");
        const fullMessage = printable(event.message);
        // Messages often start with the worker's name already; the name column says it once.
        const message = fullMessage.startsWith(`${name}: `)
          ? fullMessage.slice(name.length + 2)
          : fullMessage;
        return (
          <Text key={event.id} wrap="truncate">
            <Text color={theme.muted}>{clock(event.at)} </Text>
            <Text color={theme.accent}>{name} </Text>
            <Text>{message}</Text>
            <Text color={theme.muted}> ({printable(event.actor)})</Text>
          </Text>
        );
      })}
    </Box>
  );
}
