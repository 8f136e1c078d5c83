import { parseDuration } from "@cml-fleet/duration/duration";
import { displayWidth, takeColumns } from "./display-width";
import { printable } from "./terminal-text";

/** Text formatting for the monitor's cells: pure, so every column renders the same way everywhere. */

const SPARK_BARS = "▁▂▃▄▅▆▇█";

/** CPU percentages (0..100) as a sparkline of the last `width` samples. */
export function sparkline(values: readonly number[], width: number): string {
  const recent = values.slice(-width);
  const bars = recent.map((value) => {
    const clamped = Math.max(0, Math.min(100, value));
    const index = Math.min(SPARK_BARS.length - 1, Math.floor((clamped / 100) * SPARK_BARS.length));
    return SPARK_BARS[index] ?? " ";
  });
  return bars.join("").padStart(width, " ");
}

/** A duration as its two largest units: 45s, 12m05s, 3h07m, 2d04h. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m${pad(seconds % 60)}s`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return `${hours}h${pad(minutes % 60)}m`;
  }
  return `${Math.floor(hours / 24)}d${pad(hours % 24)}h`;
}

export function formatMoney(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

/** A progress bar for 0..1, e.g. "[#####-----] 50%". */
export function progressBar(progress: number | null, width: number): string {
  if (progress === null) {
    return `[${"·".repeat(width)}]  ?%`;
  }
  const clamped = Math.max(0, Math.min(1, progress));
  const filled = Math.round(clamped * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(clamped * 100)).padStart(3)}%`;
}

/**
 * Fits text into exactly `width` terminal columns: truncated with an ellipsis, or padded. Every table cell
 * passes here, so here is where a cell's text becomes printable (see terminal-text.ts). Widths are display
 * columns, not UTF-16 units: a CJK character takes 2, a combining mark 0.
 */
export function fit(text: string, width: number, align: "left" | "right" = "left"): string {
  if (width <= 0) {
    return "";
  }
  const shown = printable(text);
  const shownWidth = displayWidth(shown);
  if (shownWidth > width) {
    const kept = takeColumns(shown, width - 1);
    return `${kept.text}…${" ".repeat(width - 1 - kept.width)}`;
  }
  const padding = " ".repeat(width - shownWidth);
  return align === "left" ? shown + padding : padding + shown;
}

/**
 * Reads what a person types at the keep-alive prompt: a duration in the fleet's one grammar ("90s", "30m",
 * "1h30m", "1d"), or "0" to clear. Returns milliseconds, or null when it is neither.
 */
export function parseKeepAlive(text: string): number | null {
  return text.trim() === "0" ? 0 : parseDuration(text);
}

const WEEKDAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

/**
 * A scheduled action as the monitor shows it, in the monitor's local time: "START 08:10" within a day,
 * "STOP Tue 18:00" later.
 */
export function scheduledActionText(
  next: { readonly action: string; readonly at: string },
  now: number,
): string {
  const at = new Date(next.at);
  const clock = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
  const within = at.getTime() - now < 24 * 3_600_000;
  return within ? `${next.action} ${clock}` : `${next.action} ${WEEKDAY[at.getDay()] ?? ""} ${clock}`;
}
