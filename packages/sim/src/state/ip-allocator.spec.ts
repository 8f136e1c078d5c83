import { describe, expect, it } from "vitest";
import { IpAllocator } from "./ip-allocator";

describe("IpAllocator", () => {
  it("hands out unique loopback addresses in its block, never .0 or .255, and reuses released ones", () => {
    const ips = new IpAllocator(42);
    const addresses = Array.from({ length: 600 }, () => ips.allocate().loopbackIp);
    expect(new Set(addresses).size).toBe(600);
    expect(addresses.every((ip) => /^127\.42\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(addresses.some((ip) => ip.endsWith(".0") || ip.endsWith(".255"))).toBe(false);
    const released = addresses[300] ?? "";
    ips.release(released);
    expect(ips.allocate().loopbackIp).toBe(released);
  });

  it("never hands out reserved addresses again and still uses the gaps between them", () => {
    const ips = new IpAllocator(7);
    ips.reserve(["127.7.0.3", "127.7.1.1", "127.8.0.1", "not-an-ip"]);
    const addresses = Array.from({ length: 300 }, () => ips.allocate().loopbackIp);
    expect(addresses).not.toContain("127.7.0.3");
    expect(addresses).not.toContain("127.7.1.1");
    expect(new Set(addresses).size).toBe(300);
    expect(addresses).toContain("127.7.0.1");
    expect(addresses).toContain("127.7.0.2");
    expect(addresses).toContain("127.7.0.4");
  });

  it("refuses blocks outside 1..254", () => {
    expect(() => new IpAllocator(0)).toThrow(RangeError);
    expect(() => new IpAllocator(255)).toThrow(RangeError);
  });
});
