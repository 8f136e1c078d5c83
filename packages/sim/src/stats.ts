export type StatsArea = "ec2" | "cloudwatch" | "cml" | "pricing";

/** What `GET /_sim/stats` answers. */
export interface StatsSnapshot extends Record<StatsArea, Record<string, number>> {
  /** Most CML API requests answered at once (all instances together) since the last reset. */
  readonly cmlInFlightPeak: number;
  /** TCP (so TLS) connections the simulated CMLs accepted since the last reset: a client reusing its connections opens none. */
  readonly cmlConnections: number;
  /** Of those, the ones whose TLS handshake resumed an earlier session (abbreviated: no certificate sent). */
  readonly cmlResumedSessions: number;
  /** CloudWatch's billable units since the last reset, what the monitoring bill is computed from. */
  readonly cloudwatchBilling: CloudWatchBilling;
}

/**
 * The units AWS bills CloudWatch by: metrics requested with GetMetricData ($0.01 per 1,000 at list price),
 * PutMetricData requests ($0.01 per 1,000) and custom metric series (about $0.30 per series-month).
 */
export interface CloudWatchBilling {
  /** Queries (metrics) of the GetMetricData calls answered with data; a refused or faulted call is not billed. */
  readonly metricsRequested: number;
  /** PutMetricData calls accepted. */
  readonly putMetricDataRequests: number;
  /** Distinct series (region, namespace, name and dimensions) put since the last reset. */
  readonly customMetricSeries: number;
}

/** Calls received per area and action (or CML "METHOD /api/v0/path-template"). */
export class CallStats {
  private counts: Record<StatsArea, Map<string, number>> = this.empty();
  private cmlInFlight = 0;
  private cmlInFlightPeak = 0;
  private cmlConnections = 0;
  private cmlResumedSessions = 0;
  private metricsRequested = 0;
  private putMetricDataRequests = 0;
  private customMetricSeries = new Set<string>();

  count(area: StatsArea, key: string): void {
    const counts = this.counts[area];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  /**
   * Counts a CML request as in flight until `done` is called, keeping the high-water mark:
   * a client's concurrency bound is observable only as requests overlapping here.
   */
  cmlRequestStarted(): () => void {
    this.cmlInFlight += 1;
    this.cmlInFlightPeak = Math.max(this.cmlInFlightPeak, this.cmlInFlight);
    let finished = false;
    return () => {
      if (!finished) {
        finished = true;
        this.cmlInFlight -= 1;
      }
    };
  }

  /** Counts a connection accepted by any simulated CML (each one is a TLS handshake). */
  cmlConnectionAccepted(): void {
    this.cmlConnections += 1;
  }

  /** Counts a TLS handshake of a simulated CML that resumed an earlier session. */
  cmlSessionResumed(): void {
    this.cmlResumedSessions += 1;
  }

  /** Counts the metrics of a GetMetricData call that was answered: AWS bills each one requested. */
  metricsAnswered(count: number): void {
    this.metricsRequested += count;
  }

  /** Counts an accepted PutMetricData call and the series it put (by their key, so each series counts once). */
  metricDataPut(seriesKeys: Iterable<string>): void {
    this.putMetricDataRequests += 1;
    for (const key of seriesKeys) {
      this.customMetricSeries.add(key);
    }
  }

  snapshot(): StatsSnapshot {
    return {
      ec2: Object.fromEntries(this.counts.ec2),
      cloudwatch: Object.fromEntries(this.counts.cloudwatch),
      cml: Object.fromEntries(this.counts.cml),
      pricing: Object.fromEntries(this.counts.pricing),
      cmlInFlightPeak: this.cmlInFlightPeak,
      cmlConnections: this.cmlConnections,
      cmlResumedSessions: this.cmlResumedSessions,
      cloudwatchBilling: {
        metricsRequested: this.metricsRequested,
        putMetricDataRequests: this.putMetricDataRequests,
        customMetricSeries: this.customMetricSeries.size,
      },
    };
  }

  /**
   * Clears the counts; the peak restarts from the requests still in flight. The custom series restart too:
   * AWS bills a series for the hours it is put in, so what a measured window costs is the series put in it,
   * not every series the simulator has ever seen.
   */
  reset(): void {
    this.counts = this.empty();
    this.cmlInFlightPeak = this.cmlInFlight;
    this.cmlConnections = 0;
    this.cmlResumedSessions = 0;
    this.metricsRequested = 0;
    this.putMetricDataRequests = 0;
    this.customMetricSeries = new Set();
  }

  private empty(): Record<StatsArea, Map<string, number>> {
    return { ec2: new Map(), cloudwatch: new Map(), cml: new Map(), pricing: new Map() };
  }
}
