/**
 * Hands out unique loopback addresses 127.<block>.<x>.<y> (Linux routes all of
 * 127/8 to the loopback device) so every instance's CML API has its own
 * address, as a public IP on AWS. Freed addresses are reused, so memory stays
 * bounded however many instances come and go. Parallel simulators use distinct
 * blocks (or distinct CML ports) so they never collide.
 */
export class IpAllocator {
  private next = 0;
  private readonly free: number[] = [];
  private static readonly PER_BLOCK = 256 * 254;

  constructor(private readonly block: number) {
    if (!Number.isInteger(block) || block < 1 || block > 254) {
      throw new RangeError(`IP block must be an integer in 1..254, got ${block}`);
    }
  }

  allocate(): { loopbackIp: string; privateIp: string } {
    const index = this.free.pop() ?? this.next++;
    if (index >= IpAllocator.PER_BLOCK) {
      throw new RangeError(`IP block 127.${this.block}.0.0/16 is exhausted`);
    }
    const high = Math.floor(index / 254);
    const low = (index % 254) + 1;
    return { loopbackIp: `127.${this.block}.${high}.${low}`, privateIp: `172.31.${high}.${low}` };
  }

  release(loopbackIp: string): void {
    const index = this.indexOf(loopbackIp);
    if (index !== null) {
      this.free.push(index);
    }
  }

  /**
   * Marks addresses as taken (instances restored from a snapshot), so they are
   * never handed out again; addresses of another block cannot collide and are ignored.
   */
  reserve(loopbackIps: Iterable<string>): void {
    const taken = new Set<number>();
    for (const ip of loopbackIps) {
      const index = this.indexOf(ip);
      if (index !== null) {
        taken.add(index);
      }
    }
    const known = new Set(this.free);
    for (const index of taken) {
      for (; this.next <= index; this.next++) {
        if (!known.has(this.next)) {
          this.free.push(this.next);
          known.add(this.next);
        }
      }
    }
    const stillFree = this.free.filter((index) => !taken.has(index));
    this.free.length = 0;
    this.free.push(...stillFree);
  }

  private indexOf(loopbackIp: string): number | null {
    const parts = loopbackIp.split(".").map(Number);
    const high = parts[2];
    const low = parts[3];
    if (parts[0] !== 127 || parts[1] !== this.block || high === undefined || low === undefined) {
      return null;
    }
    if (!Number.isInteger(high) || !Number.isInteger(low) || high < 0 || high > 255 || low < 1 || low > 254) {
      return null;
    }
    return high * 254 + low - 1;
  }
}
