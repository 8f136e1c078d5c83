export type StatsArea = "ec2" | "cloudwatch" | "cml" | "pricing";

/** Calls received per area and action (or CML "METHOD /api/v0/path-template"). */
export class CallStats {
  private counts: Record<StatsArea, Map<string, number>> = this.empty();

  count(area: StatsArea, key: string): void {
    const counts = this.counts[area];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<StatsArea, Record<string, number>> {
    return {
      ec2: Object.fromEntries(this.counts.ec2),
      cloudwatch: Object.fromEntries(this.counts.cloudwatch),
      cml: Object.fromEntries(this.counts.cml),
      pricing: Object.fromEntries(this.counts.pricing),
    };
  }

  reset(): void {
    this.counts = this.empty();
  }

  private empty(): Record<StatsArea, Map<string, number>> {
    return { ec2: new Map(), cloudwatch: new Map(), cml: new Map(), pricing: new Map() };
  }
}
