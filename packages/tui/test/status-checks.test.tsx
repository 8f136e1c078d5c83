import { stripVTControlCharacters } from "node:util";
import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { statusCheckCell } from "../src/components/status-check-text";
import { FakeFleetClient } from "./support/fake-fleet-client";
import { aSnapshotWorker, iso, T0 } from "./support/fleet-factory";
import { KEYS, renderMonitor } from "./support/render-monitor";

afterEach(() => {
  cleanup();
});

const lines = (frame: string) => stripVTControlCharacters(frame).split("\n");
const rowOf = (frame: string, name: string) => lines(frame).find((line) => line.includes(name)) ?? "";
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 10 });
const checks = (system: string, instance: string) => ({ system, instance, checkedAt: iso(T0 - 90_000) });

describe("EC2 status checks in the monitor", () => {
  it("shows a short form per worker in the fleet table", async () => {
    const workers = [
      aSnapshotWorker({ name: "healthy", statusChecks: checks("ok", "ok") }),
      aSnapshotWorker({ name: "broken", serviceStatus: "ERROR", statusChecks: checks("impaired", "ok") }),
      aSnapshotWorker({ name: "booting", statusChecks: checks("initializing", "initializing") }),
      aSnapshotWorker({ name: "unswept", statusChecks: null }),
    ];
    const view = renderMonitor(new FakeFleetClient({ workers }), { columns: 160, rows: 20 });
    await until(() => expect(view.frame()).toContain("unswept"));
    const frame = view.frame();
    expect(frame).toContain("CHECKS");
    expect(rowOf(frame, "healthy")).toMatch(/AVAILABLE\s+2\/2\s+REGISTERED/);
    expect(rowOf(frame, "broken")).toMatch(/ERROR\s+impaired\s+REGISTERED/);
    expect(rowOf(frame, "booting")).toMatch(/AVAILABLE\s+init\s+REGISTERED/);
    expect(rowOf(frame, "unswept")).toMatch(/AVAILABLE\s+-\s+REGISTERED/);
  });

  it("shows both checks and when they were read in the detail pane", async () => {
    const worker = aSnapshotWorker({ name: "echo", statusChecks: checks("ok", "impaired") });
    const view = renderMonitor(new FakeFleetClient({ workers: [worker] }), { columns: 120, rows: 30 });
    await until(() => expect(view.frame()).toContain("echo"));
    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("status checks"));
    expect(rowOf(view.frame(), "status checks")).toMatch(
      /system ok {2}instance impaired {2}\(\d+m\d\ds ago\)/,
    );
  });

  it("counts the passing checks when neither is impaired nor booting", () => {
    expect(statusCheckCell(checks("ok", "insufficient-data")).text).toBe("1/2");
    expect(statusCheckCell(checks("not-applicable", "not-applicable")).text).toBe("-");
    expect(statusCheckCell(checks("ok", "impaired")).text).toBe("impaired");
  });
});
