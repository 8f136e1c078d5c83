import type {
  PublishedMetricState,
  PublishedMetricsLedger,
} from "../../src/ports/published-metrics-ledger.port";

/** The ledger in a Map, for specs (Redis keeps it in the job process); `keepMs` is not honoured. */
export class InMemoryPublishedMetricsLedger implements PublishedMetricsLedger {
  readonly states = new Map<string, PublishedMetricState>();

  async lastPublished(keys: readonly string[]): Promise<Map<string, PublishedMetricState>> {
    return new Map(
      keys.flatMap((key) => {
        const state = this.states.get(key);
        return state === undefined ? [] : [[key, state] as const];
      }),
    );
  }

  async recordPublished(entries: readonly { key: string; state: PublishedMetricState }[]): Promise<void> {
    for (const { key, state } of entries) {
      this.states.set(key, state);
    }
  }
}
