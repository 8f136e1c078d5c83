import { describe, expect, it } from "vitest";
import { parseCmlTimestamp, userActivity } from "./cml-activity";
import { kindForStatus } from "./cml-errors";
import { mapWithConcurrency } from "./cml-labs";
import { licenseStatusOf, toLicensing } from "./cml-licensing";
import { licensingSchema, systemHealthSchema, systemStatsSchema } from "./cml-schemas";
import { toSystemHealth, toSystemStats } from "./cml-system";

describe("licenseStatusOf", () => {
  it.each([
    ["COMPLETED", "IN_COMPLIANCE", "REGISTERED"],
    ["COMPLETED", "OUT_OF_COMPLIANCE", "INVALID"],
    ["COMPLETED", "AUTHORIZATION_EXPIRED", "EXPIRED"],
    ["COMPLETED", "EVAL_MODE", "REGISTERING"],
    ["IN_PROGRESS", "EVAL_MODE", "REGISTERING"],
    ["NOT_REGISTERED", "EVAL_MODE", "EVALUATION"],
    ["NOT_REGISTERED", "EVAL_EXPIRED", "EXPIRED"],
    ["NOT_REGISTERED", "OUT_OF_COMPLIANCE", "UNREGISTERED"],
    // A failed attempt leaves a worker in evaluation still usable.
    ["REGISTRATION_FAILED", "EVAL_MODE", "EVALUATION"],
    ["REGISTRATION_FAILED", "OUT_OF_COMPLIANCE", "INVALID"],
    ["SOMETHING_NEW", "SOMETHING_ELSE", "UNKNOWN"],
  ] as const)("registration %s and authorization %s is %s", (registration, authorization, expected) => {
    expect(licenseStatusOf(registration, authorization)).toBe(expected);
  });
});

describe("toLicensing", () => {
  it("sums feature limits and use, and reads the expiry as UTC", () => {
    const answer = licensingSchema.parse({
      registration: { status: "COMPLETED", expires: { scheduled: "2027-01-01T00:00:00" } },
      authorization: { status: "IN_COMPLIANCE", expires: "2026-12-01T10:00:00" },
      features: [
        { id: "a", in_use: 3, max: 20 },
        { id: "b", in_use: 2, max: 40 },
      ],
      product_license: { active: "CML_Enterprise" },
    });
    expect(toLicensing(answer)).toEqual({
      status: "REGISTERED",
      registrationStatus: "COMPLETED",
      authorizationStatus: "IN_COMPLIANCE",
      nodeLimit: 60,
      nodesInUse: 5,
      expires: new Date("2026-12-01T10:00:00Z"),
    });
  });

  it("gives null limits without features", () => {
    const answer = licensingSchema.parse({
      registration: { status: "NOT_REGISTERED" },
      authorization: { status: "EVAL_MODE" },
    });
    expect(toLicensing(answer)).toMatchObject({ status: "EVALUATION", nodeLimit: null, nodesInUse: null });
  });
});

describe("system mapping", () => {
  it("sums running nodes over computes and derives memory percent", () => {
    const stats = systemStatsSchema.parse({
      all: { cpu: { count: 8, percent: 12.5 }, memory: { total: 1000, free: 250, used: 750 } },
      computes: {
        c1: { stats: { dominfo: { running_nodes: 2, total_nodes: 5, allocated_cpus: 4 } } },
        c2: { stats: { dominfo: { running_nodes: 1, total_nodes: 1 } } },
      },
    });
    expect(toSystemStats(stats)).toEqual({
      cpuPercent: 12.5,
      memoryPercent: 75,
      runningNodes: 3,
      totalNodes: 6,
    });
  });

  it("treats no computes or one invalid compute as not valid", () => {
    const healthy = systemHealthSchema.parse({
      valid: true,
      is_licensed: true,
      computes: { c1: { valid: true, admission_state: "READY" } },
    });
    expect(toSystemHealth(healthy)).toEqual({
      valid: true,
      isLicensed: true,
      computesValid: true,
      failing: [],
    });
    const none = systemHealthSchema.parse({ valid: true, is_licensed: false, computes: {} });
    expect(toSystemHealth(none)).toMatchObject({
      computesValid: false,
      failing: ["no compute is registered"],
    });
    const broken = systemHealthSchema.parse({
      valid: false,
      is_licensed: true,
      computes: { c1: { valid: true }, c2: { valid: false } },
    });
    expect(toSystemHealth(broken).computesValid).toBe(false);
    // CML's models allow null here: it reads as not valid, not as an unreachable controller.
    const unknown = systemHealthSchema.parse({
      valid: null,
      is_licensed: null,
      computes: { c1: { valid: null } },
    });
    expect(toSystemHealth(unknown)).toEqual({
      valid: false,
      isLicensed: false,
      computesValid: false,
      failing: ["compute c1: not valid"],
    });
  });

  it("names the failing components: a compute by host name with its failed checks, the controller's services", () => {
    const answer = systemHealthSchema.parse({
      valid: false,
      is_licensed: true,
      computes: {
        c1: { hostname: "cml-controller", is_controller: true, valid: true, libvirt: true },
        c2: { hostname: "compute-2\u001b[31m", valid: false, libvirt: false, lld_connected: false },
        c3: { hostname: 42, valid: false },
      },
      controller: { core_connected: false, nodes_loaded: true, images_loaded: true, valid: false },
    });
    expect(toSystemHealth(answer).failing).toEqual([
      "compute compute-2: failing lld_connected, libvirt",
      "compute c3: not valid",
      "controller: failing core_connected",
    ]);
  });
});

describe("userActivity", () => {
  const events = [
    { category: "user_activity", timestamp: "2026-01-01T10:00:00", data: { user_id: "fleet-id" } },
    { category: "user_activity", timestamp: "2026-01-01T10:05:00", data: { user_id: "student" } },
    { category: "start_lab", timestamp: "2026-01-01T09:00:00.123456", data: { user_id: "student" } },
    { category: "system_stats", timestamp: "2026-01-01T10:06:00", data: {} },
    { category: "stop_node", timestamp: "2026-01-01T08:00:00", data: null },
    { category: "boot_node", timestamp: "not a time" },
  ];

  it("keeps user-intent events of others, oldest first, timestamps as UTC", () => {
    expect(userActivity(events, "fleet-id", null)).toEqual([
      { category: "stop_node", at: new Date("2026-01-01T08:00:00Z"), userId: null },
      { category: "start_lab", at: new Date("2026-01-01T09:00:00.123Z"), userId: "student" },
      { category: "user_activity", at: new Date("2026-01-01T10:05:00Z"), userId: "student" },
    ]);
  });

  it("drops events at or before `since`", () => {
    const since = new Date("2026-01-01T09:00:00.123Z");
    expect(userActivity(events, "fleet-id", since).map((event) => event.category)).toEqual(["user_activity"]);
  });

  it("parses zoned and zoneless timestamps", () => {
    expect(parseCmlTimestamp("2026-01-01T00:00:00")).toEqual(new Date("2026-01-01T00:00:00Z"));
    expect(parseCmlTimestamp("2026-01-01T02:00:00+02:00")).toEqual(new Date("2026-01-01T00:00:00Z"));
    expect(parseCmlTimestamp("garbage")).toBeNull();
  });
});

describe("kindForStatus", () => {
  it.each([
    [401, "unauthorized"],
    [403, "unauthorized"],
    [404, "not-found"],
    [409, "refused"],
    [503, "not-ready"],
    [500, "protocol"],
  ] as const)("HTTP %i is %s", (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });
});

describe("mapWithConcurrency", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });
});
