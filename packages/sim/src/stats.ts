export type StatsArea = "ec2" | "cloudwatch" | "cml" | "pricing";

/** What `GET /_sim/stats` answers. */
export interface StatsSnapshot extends Record<StatsArea, Record<string, number>> {
  /** Most CML API requests answered at once (all instances together) since the last reset. */
  readonly cmlInFlightPeak: number;
  /** TCP (so TLS) connections the simulated CMLs accepted since the last reset: a client reusing its connections opens none. */
  readonly cmlConnections: number;
}

/** Calls received per area and action (or CML "METHOD /api/v0/path-template"). */
export class CallStats {
  private counts: Record<StatsArea, Map<string, number>> = this.empty();
  private cmlInFlight = 0;
  private cmlInFlightPeak = 0;
  private cmlConnections = 0;

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

  snapshot(): StatsSnapshot {
    return {
      ec2: Object.fromEntries(this.counts.ec2),
      cloudwatch: Object.fromEntries(this.counts.cloudwatch),
      cml: Object.fromEntries(this.counts.cml),
      pricing: Object.fromEntries(this.counts.pricing),
      cmlInFlightPeak: this.cmlInFlightPeak,
      cmlConnections: this.cmlConnections,
    };
  }

  /** Clears the counts; the peak restarts from the requests still in flight. */
  reset(): void {
    this.counts = this.empty();
    this.cmlInFlightPeak = this.cmlInFlight;
    this.cmlConnections = 0;
  }

  private empty(): Record<StatsArea, Map<string, number>> {
    return { ec2: new Map(), cloudwatch: new Map(), cml: new Map(), pricing: new Map() };
  }
}
