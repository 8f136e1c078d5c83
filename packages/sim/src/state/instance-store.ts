import type { SimInstance } from "./instance";

interface RegionIndex {
  /** Instances in launch order (ascending seq); purged entries are compacted lazily. */
  ordered: SimInstance[];
  removed: number;
}

export interface ClientTokenEntry {
  readonly fingerprint: string;
  readonly reservationId: string;
}

/**
 * Every instance, indexed by id, by region (in launch order, for paging) and
 * by tag key/value (for `tag:` filters), plus RunInstances client tokens.
 */
export class InstanceStore {
  private readonly byId = new Map<string, SimInstance>();
  private readonly regions = new Map<string, RegionIndex>();
  private readonly tagIndex = new Map<string, Map<string, Set<SimInstance>>>();
  private readonly reservations = new Map<string, Set<SimInstance>>();
  private readonly clientTokens = new Map<string, Map<string, ClientTokenEntry>>();
  private seq = 0;

  nextSeq(): number {
    return this.seq++;
  }

  /** After a restore: launch order continues past every restored instance. */
  continueSeqAfter(seq: number): void {
    this.seq = Math.max(this.seq, seq + 1);
  }

  get size(): number {
    return this.byId.size;
  }

  get(instanceId: string): SimInstance | undefined {
    return this.byId.get(instanceId);
  }

  all(): SimInstance[] {
    return [...this.byId.values()];
  }

  add(instance: SimInstance): void {
    this.byId.set(instance.instanceId, instance);
    this.regionIndex(instance.region).ordered.push(instance);
    const reservation = this.reservations.get(instance.reservationId);
    if (reservation) {
      reservation.add(instance);
    } else {
      this.reservations.set(instance.reservationId, new Set([instance]));
    }
    for (const [key, value] of instance.tags) {
      this.indexTag(instance, key, value);
    }
  }

  remove(instance: SimInstance): void {
    if (!this.byId.delete(instance.instanceId)) {
      return;
    }
    for (const [key, value] of instance.tags) {
      this.unindexTag(instance, key, value);
    }
    const reservation = this.reservations.get(instance.reservationId);
    reservation?.delete(instance);
    if (!reservation || reservation.size === 0) {
      this.reservations.delete(instance.reservationId);
      this.forgetClientTokenOf(instance);
    }
    const region = this.regionIndex(instance.region);
    region.removed++;
    if (region.removed > 64 && region.removed * 2 > region.ordered.length) {
      region.ordered = region.ordered.filter((member) => this.byId.has(member.instanceId));
      region.removed = 0;
    }
  }

  /** Instances of a region in launch order, starting after `afterSeq`. */
  *inRegion(region: string, afterSeq = -1): Generator<SimInstance> {
    const ordered = this.regions.get(region)?.ordered ?? [];
    for (let index = firstIndexAfter(ordered, afterSeq); index < ordered.length; index++) {
      const instance = ordered[index];
      if (instance && this.byId.has(instance.instanceId)) {
        yield instance;
      }
    }
  }

  /** Instances of a region carrying `key` with one of `values` (any value when undefined), in launch order. */
  withTag(region: string, key: string, values: ReadonlySet<string> | undefined): SimInstance[] {
    const byValue = this.tagIndex.get(key);
    if (!byValue) {
      return [];
    }
    const matches: SimInstance[] = [];
    for (const [value, members] of byValue) {
      if (values && !values.has(value)) {
        continue;
      }
      for (const member of members) {
        if (member.region === region) {
          matches.push(member);
        }
      }
    }
    return matches.sort((a, b) => a.seq - b.seq);
  }

  /** The reservation's instances still known, in launch order. */
  reservation(reservationId: string): SimInstance[] {
    return [...(this.reservations.get(reservationId) ?? [])];
  }

  setTag(instance: SimInstance, key: string, value: string): void {
    const previous = instance.tags.get(key);
    if (previous !== undefined) {
      this.unindexTag(instance, key, previous);
    }
    instance.tags.set(key, value);
    this.indexTag(instance, key, value);
  }

  deleteTag(instance: SimInstance, key: string): void {
    const previous = instance.tags.get(key);
    if (previous !== undefined) {
      this.unindexTag(instance, key, previous);
      instance.tags.delete(key);
    }
  }

  clientToken(region: string, token: string): ClientTokenEntry | undefined {
    return this.clientTokens.get(region)?.get(token);
  }

  rememberClientToken(region: string, token: string, entry: ClientTokenEntry): void {
    let tokens = this.clientTokens.get(region);
    if (!tokens) {
      tokens = new Map();
      this.clientTokens.set(region, tokens);
    }
    tokens.set(token, entry);
  }

  /** Every remembered client token, for a snapshot. */
  *clientTokenEntries(): Generator<{ region: string; token: string } & ClientTokenEntry> {
    for (const [region, tokens] of this.clientTokens) {
      for (const [token, entry] of tokens) {
        yield { region, token, ...entry };
      }
    }
  }

  private forgetClientTokenOf(instance: SimInstance): void {
    if (instance.clientToken !== null) {
      this.clientTokens.get(instance.region)?.delete(instance.clientToken);
      // Tokens of an account-scoped request are kept under "<account>/<region>" (see account-scope.ts).
      this.clientTokens.get(`${instance.ownerId}/${instance.region}`)?.delete(instance.clientToken);
    }
  }

  private regionIndex(region: string): RegionIndex {
    let index = this.regions.get(region);
    if (!index) {
      index = { ordered: [], removed: 0 };
      this.regions.set(region, index);
    }
    return index;
  }

  private indexTag(instance: SimInstance, key: string, value: string): void {
    let byValue = this.tagIndex.get(key);
    if (!byValue) {
      byValue = new Map();
      this.tagIndex.set(key, byValue);
    }
    let members = byValue.get(value);
    if (!members) {
      members = new Set();
      byValue.set(value, members);
    }
    members.add(instance);
  }

  private unindexTag(instance: SimInstance, key: string, value: string): void {
    const byValue = this.tagIndex.get(key);
    const members = byValue?.get(value);
    if (!byValue || !members) {
      return;
    }
    members.delete(instance);
    if (members.size === 0) {
      byValue.delete(value);
      if (byValue.size === 0) {
        this.tagIndex.delete(key);
      }
    }
  }
}

/** Binary search: index of the first instance whose seq is greater than `afterSeq`. */
function firstIndexAfter(ordered: readonly SimInstance[], afterSeq: number): number {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const candidate = ordered[mid];
    if (candidate && candidate.seq <= afterSeq) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}
