/**
 * Findings of a fuzz run, grouped (e.g. "stopWorker: INTERNAL_SERVER_ERROR"),
 * each group keeping its count and its shortest example: the shortest is the
 * minimal reproduction the report prints.
 */
export interface Finding {
  readonly group: string;
  /** Run number within the seed's sequence. */
  readonly run: number;
  /** What was sent and what came back, as text a person can replay. */
  readonly example: string;
}

export class FuzzFindings {
  private readonly groups = new Map<string, { count: number; shortest: Finding }>();

  add(finding: Finding): void {
    const known = this.groups.get(finding.group);
    if (known === undefined) {
      this.groups.set(finding.group, { count: 1, shortest: finding });
      return;
    }
    known.count += 1;
    if (finding.example.length < known.shortest.example.length) {
      known.shortest = finding;
    }
  }

  get size(): number {
    return this.groups.size;
  }

  /** Count per group, for the summary line. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.groups].map(([group, { count }]) => [group, count]));
  }

  /** One paragraph per group: the count, the run number and the shortest example. */
  report(replay: string): string {
    const lines = [...this.groups].map(
      ([group, { count, shortest }]) =>
        `- ${group}: ${count}x, e.g. run #${shortest.run}: ${shortest.example}`,
    );
    return lines.length === 0 ? "" : `${lines.join("\n")}\n${replay}`;
  }
}

/** A value shown in a finding: long strings are cut, so that an example stays a readable line. */
export function shown(value: unknown, limit = 300): string {
  const text = JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "string" && inner.length > 80
      ? `${inner.slice(0, 40)}...(${inner.length} chars of ${JSON.stringify(inner.slice(0, 1))})`
      : inner,
  );
  if (text === undefined) {
    return String(value);
  }
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}

/** The summary one run prints (and `bench/RESULTS.md` records for the large run). */
export interface FuzzSummary {
  readonly file: string;
  readonly seed: number;
  readonly requests: number;
  readonly internalErrors: number;
  readonly status5xx: number;
  readonly crashes: number;
  readonly refused: number;
  /** Refusals whose errors carry no code (graphql-js variable errors as yoga sends them). */
  readonly uncodedRequestErrors: number;
  readonly refusedThatWrote: number;
  readonly durationMs: number;
}

export function printSummary(summary: FuzzSummary): void {
  // One JSON line: easy to read in CI logs and to copy into the results file.
  console.info(`fuzz summary ${JSON.stringify(summary)}`);
}
