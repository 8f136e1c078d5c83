import { type ThemeColor, theme } from "../theme";

/** A worker's EC2 status checks as the monitor receives them (null until a sweep has read them). */
export interface StatusChecksView {
  readonly system: string;
  readonly instance: string;
  readonly checkedAt: string;
}

/**
 * The fleet table's short form: `2/2` when both pass (as the EC2 console
 * says it), `impaired` when either fails, `init` while the instance boots,
 * `-` when they do not apply (not running) or are not known yet, else how
 * many of the two pass (`1/2`).
 */
export function statusCheckCell(checks: StatusChecksView | null): { text: string; color: ThemeColor } {
  if (checks === null) {
    return { text: "-", color: theme.muted };
  }
  const both = [checks.system, checks.instance];
  if (both.includes("impaired")) {
    return { text: "impaired", color: theme.danger };
  }
  if (both.every((status) => status === "ok")) {
    return { text: "2/2", color: theme.ok };
  }
  if (both.every((status) => status === "not-applicable")) {
    return { text: "-", color: theme.muted };
  }
  if (both.includes("initializing")) {
    return { text: "init", color: theme.warning };
  }
  return { text: `${both.filter((status) => status === "ok").length}/2`, color: theme.warning };
}

/** The detail pane's line: both checks by name, and when they were read. */
export function statusCheckDetail(
  checks: StatusChecksView | null,
  ago: (iso: string) => string,
): { text: string; color: ThemeColor | undefined } {
  if (checks === null) {
    return { text: "-", color: theme.muted };
  }
  const color = statusCheckCell(checks).color;
  return {
    text: `system ${checks.system}  instance ${checks.instance}  (${ago(checks.checkedAt)})`,
    color: color === theme.muted ? undefined : color,
  };
}
