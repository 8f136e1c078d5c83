import type { MachineInfo } from "./machine";
import type { ResultRow } from "./types";

const COLUMNS = ["scenario", "metric", "value", "reference", "verdict", "note"] as const;

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

export function markdownTable(rows: readonly ResultRow[]): string {
  const lines = [
    `| ${COLUMNS.join(" | ")} |`,
    `| ${COLUMNS.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${COLUMNS.map((column) => cell(row[column] ?? "")).join(" | ")} |`),
  ];
  return lines.join("\n");
}

/** A plain-text table for the terminal, columns padded to their widest cell. */
export function textTable(rows: readonly ResultRow[]): string {
  const shown = ["scenario", "metric", "value", "reference", "verdict"] as const;
  const widths = shown.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const format = (cells: readonly string[]) =>
    cells.map((text, index) => text.padEnd(widths[index] ?? 0)).join("  ");
  return [
    format(shown),
    format(widths.map((width) => "-".repeat(width))),
    ...rows.map((row) => format(shown.map((c) => row[c]))),
  ].join("\n");
}

export interface ResultsDocument {
  readonly command: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly machine: MachineInfo;
  readonly rows: readonly ResultRow[];
  readonly method: readonly string[];
}

export function resultsMarkdown(doc: ResultsDocument): string {
  const missed = doc.rows.filter((row) => row.verdict === "MISSED");
  const unmeasured = doc.rows.filter((row) => row.verdict === "not measured");
  const m = doc.machine;
  return [
    "# cml-fleet benchmark results",
    "",
    `- Command: \`${doc.command}\``,
    `- Date: ${doc.startedAt.toISOString()} (took ${Math.round(doc.durationMs / 1000)} s)`,
    `- Machine: ${m.os}, ${m.cpuCount} x ${m.cpuModel}, ${m.memoryGiB} GiB RAM (${m.freeMemoryGiB} GiB free at start), Node ${m.node}`,
    `- Load average at start: ${m.loadAverage} (the machine is shared: compare figures with their reference in the same run rather than across runs)`,
    "",
    missed.length === 0
      ? "All targets measured in this run were met."
      : `Targets missed in this run: ${missed.map((row) => `${row.scenario}: ${row.metric}`).join("; ")}.`,
    ...(unmeasured.length === 0
      ? []
      : ["", `Not measured: ${unmeasured.map((row) => `${row.scenario} (${row.value})`).join("; ")}.`]),
    "",
    markdownTable(doc.rows),
    "",
    "## How each figure is measured",
    "",
    ...doc.method.map((line) => `- ${line}`),
    "",
  ].join("\n");
}
