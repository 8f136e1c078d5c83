import { Box, Text } from "ink";
import { theme } from "../theme";
import type { Binding } from "../ui-state/bindings";
import type { ActionName } from "../ui-state/permissions";

export interface HelpScreenProps {
  readonly bindings: readonly Binding[];
  readonly commands: CommandAvailability;
  readonly height: number;
}

const GENERAL: readonly [string, string][] = [
  ["↑/↓ j/k", "move; PgUp/PgDn ctrl-b/f page; g/G first/last"],
  ["enter", "worker detail (esc or q closes)"],
  ["/", "filter by name, region or status (esc clears)"],
  ["N R S C I P", "sort by name, region, status, CPU, idle, cost (again: reverse)"],
  ["tab, :jobs", "switch between workers and jobs"],
  ["e, :events", "show or hide the event log"],
  [":columns", "choose the table's columns (or :columns -cpu +region)"],
  [":schedules", "schedules: windows, zone, closed dates, workers' next actions"],
];

/** Commands offered only to tokens that may use them (a USER's help leaves out what it may not do). */
const GUARDED: readonly {
  key: string;
  text: string;
  offered: (availability: CommandAvailability) => boolean;
}[] = [
  {
    key: ":channels",
    text: "notification channels and their last delivery (ADMIN)",
    offered: (a) => a.rankedRole,
  },
  {
    key: ":keepalive",
    text: "<duration>: keep the worker alive (asks first; 0 clears)",
    offered: (a) => a.actions.has("keep-alive"),
  },
  {
    key: ":snapshot",
    text: "[description]: snapshot the worker's root volume, labs included (asks first)",
    offered: (a) => a.actions.has("snapshot"),
  },
  {
    key: ":schedule",
    text: "<name>|none: put the worker on a schedule, or take it off (asks first)",
    offered: (a) => a.actions.has("schedule"),
  },
];

/** What the token may be offered: the actions not hidden from it, and whether its role is a ranked one. */
export interface CommandAvailability {
  readonly actions: ReadonlySet<ActionName>;
  readonly rankedRole: boolean;
}

export function HelpScreen({ bindings, commands, height }: HelpScreenProps) {
  const actions = bindings.filter((binding) => ["s", "x", "t", "r", "K"].includes(binding.keys));
  const lines: { key: string; text: string; unavailable: string | null }[] = [
    ...GENERAL.map(([key, text]) => ({ key, text, unavailable: null })),
    ...GUARDED.filter((command) => command.offered(commands)).map(({ key, text }) => ({
      key,
      text,
      unavailable: null,
    })),
    ...actions.map((binding) => ({
      key: binding.keys,
      text: binding.label,
      unavailable: binding.availability.kind === "unavailable" ? binding.availability.reason : null,
    })),
    { key: "?", text: "close this help", unavailable: null },
    { key: "q, ctrl-c", text: "quit", unavailable: null },
  ];
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold color={theme.title}>
        Keys
      </Text>
      {lines.slice(0, Math.max(0, height - 1)).map((line) => (
        <Text key={line.key} wrap="truncate">
          <Text color={line.unavailable ? theme.muted : theme.key}>{line.key.padEnd(14)}</Text>
          <Text color={line.unavailable ? theme.muted : undefined}>
            {line.unavailable ? `${line.text} — unavailable: ${line.unavailable}` : line.text}
          </Text>
        </Text>
      ))}
    </Box>
  );
}
