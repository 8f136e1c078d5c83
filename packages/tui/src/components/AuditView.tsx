import { Box, Text } from "ink";
import { fit, formatDuration } from "../format";
import type { AuditLogState } from "../hooks/use-audit-log";
import { printable } from "../terminal-text";
import { type ThemeColor, theme } from "../theme";

export interface AuditViewProps {
  readonly audit: AuditLogState;
  readonly now: number;
  readonly width: number;
  readonly height: number;
}

/** allowed, denied or failed (the API's words); anything else an older or newer API sends is muted. */
const OUTCOME_COLOR: Readonly<Record<string, ThemeColor>> = {
  allowed: theme.ok,
  denied: theme.warning,
  failed: theme.danger,
};

/** The newest audit entries, one a line, as many as fit: who did what to what, and how it ended. */
export function AuditView({ audit, now, width, height }: AuditViewProps) {
  const wide = width >= 100;
  const header = [fit("AGE", 7, "right"), fit("ACTOR", 20), fit("ACTION", 26), fit("OUTCOME", 8), "TARGET"]
    .filter(Boolean)
    .join(" ");
  const rows = audit.kind === "loaded" ? audit.entries.slice(0, Math.max(0, height - 1)) : [];
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold wrap="truncate">
        {header}
      </Text>
      {audit.kind === "loading" ? <Text color={theme.muted}>Reading the audit log…</Text> : null}
      {audit.kind === "failed" ? (
        <Text color={theme.danger} wrap="truncate">
          {`Audit log: ${printable(audit.message)}`}
        </Text>
      ) : null}
      {audit.kind === "loaded" && audit.entries.length === 0 ? (
        <Text color={theme.muted}>No audit entries</Text>
      ) : null}
      {rows.map((entry) => (
        <Text key={entry.id} wrap="truncate">
          {`${fit(formatDuration(Math.max(0, now - Date.parse(entry.at))), 7, "right")} ${fit(entry.actor, 20)} ${fit(entry.action, 26)} `}
          <Text color={OUTCOME_COLOR[entry.outcome] ?? theme.muted}>{fit(entry.outcome, 8)}</Text>
          {` ${fit(entry.target ?? "-", wide ? 40 : 24)}`}
        </Text>
      ))}
    </Box>
  );
}
