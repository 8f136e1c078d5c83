/** What was last published to one custom metric series (or group of series published together). */
export interface PublishedMetricState {
  /** The values published, in a form compared for equality (see customMetricsFingerprint). */
  readonly fingerprint: string;
  readonly at: Date;
}

/**
 * Where the custom metrics publisher remembers what it last published, so
 * that "only on change, else once a period" holds across job processes and
 * restarts (Redis in the job process).
 */
export interface PublishedMetricsLedger {
  /** The last state of each key that has one (a key never published, or forgotten, is absent). */
  lastPublished(keys: readonly string[]): Promise<Map<string, PublishedMetricState>>;
  /** Records states; each may be forgotten after `keepMs` (by then it is due again anyway). */
  recordPublished(
    entries: readonly { readonly key: string; readonly state: PublishedMetricState }[],
    keepMs: number,
  ): Promise<void>;
}
