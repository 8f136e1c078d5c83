import { Box, Text } from "ink";
import type { NotificationChannel } from "../data/fleet-types";
import { fit, formatDuration } from "../format";
import type { ReadState } from "../hooks/use-read-while";
import { printable } from "../terminal-text";
import { theme } from "../theme";

export interface ChannelsViewProps {
  readonly channels: ReadState<readonly NotificationChannel[]>;
  readonly now: number;
  readonly width: number;
  readonly height: number;
}

const FIXED = [16, 6, 4, 28, 14] as const;

/** The `:channels` view (ADMIN): where fleet events go, which ones, and how the last delivery went. */
export function ChannelsView({ channels, now, width, height }: ChannelsViewProps) {
  const [name, format, on, events, last] = FIXED;
  const rest = Math.max(10, width - FIXED.reduce((sum, w) => sum + w + 1, 0));
  // The URL says where events go: it keeps most of the room, the error a third of it (at most 40).
  const errorWidth = Math.max(10, Math.min(40, Math.floor(rest / 3)));
  const header = [
    fit("CHANNEL", name),
    fit("FORMAT", format),
    fit("ON", on),
    fit("EVENTS", events),
    fit("LAST DELIVERY", last),
    fit("LAST ERROR", errorWidth),
    "URL",
  ].join(" ");
  const rows = channels.kind === "loaded" ? channels.value.slice(0, Math.max(0, height - 1)) : [];
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold wrap="truncate">
        {header}
      </Text>
      {channels.kind === "loading" ? (
        <Text color={theme.muted}>Reading the notification channels…</Text>
      ) : null}
      {channels.kind === "failed" ? (
        <Text color={theme.danger} wrap="truncate">
          {`Notification channels: ${printable(channels.message)}`}
        </Text>
      ) : null}
      {channels.kind === "loaded" && channels.value.length === 0 ? (
        <Text color={theme.muted}>No notification channels</Text>
      ) : null}
      {rows.map((channel) => (
        <Text key={channel.id} wrap="truncate">
          {`${fit(channel.name, name)} ${fit(channel.format, format)} `}
          <Text color={channel.enabled ? theme.ok : theme.muted}>
            {fit(channel.enabled ? "yes" : "no", on)}
          </Text>
          {` ${fit(channel.events.length === 0 ? "all" : channel.events.join(","), events)} `}
          {`${fit(channel.lastDeliveryAt ? `${formatDuration(now - Date.parse(channel.lastDeliveryAt))} ago` : "never", last)} `}
          <Text color={channel.lastError ? theme.danger : theme.muted}>
            {fit(channel.lastError ?? "-", errorWidth)}
          </Text>
          {` ${printable(channel.url)}`}
        </Text>
      ))}
    </Box>
  );
}
