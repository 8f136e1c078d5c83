import { stripVTControlCharacters } from "node:util";
import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NotificationChannel, Schedule } from "../src/data/fleet-types";
import { scheduledActionText } from "../src/format";
import { FakeFleetClient } from "./support/fake-fleet-client";
import { aSnapshotWorker, iso, T0 } from "./support/fleet-factory";
import { KEYS, renderMonitor } from "./support/render-monitor";

afterEach(() => {
  cleanup();
});

const lines = (frame: string) => stripVTControlCharacters(frame).split("\n");
const rowOf = (frame: string, text: string) => lines(frame).find((line) => line.includes(text)) ?? "";
const footerOf = (frame: string) => lines(frame).find((line) => line.includes("? help")) ?? "";
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 10 });

const START_AT = iso(T0 + 2 * 3_600_000);
const LAB_HOURS: Schedule = {
  id: "sch-1",
  name: "lab-hours",
  timeZone: "Europe/Paris",
  closedDates: ["2026-01-01", "2026-12-25", "2027-01-01", "2027-05-01"],
  readyAtStart: true,
  windows: [
    { days: ["MON", "TUE", "WED", "THU", "FRI"], start: "08:30", end: "18:00" },
    { days: ["SAT"], start: "09:00", end: "12:00" },
  ],
  workers: [{ id: "w-a", name: "alpha", nextScheduledAction: { action: "START", at: START_AT } }],
};
const NIGHTS: Schedule = {
  id: "sch-2",
  name: "nights",
  timeZone: "UTC",
  closedDates: [],
  readyAtStart: false,
  windows: [{ days: ["MON", "WED"], start: "22:00", end: "02:00" }],
  workers: [],
};
const CHANNEL: NotificationChannel = {
  id: "ch-1",
  name: "ops-slack",
  url: "https://hooks.example.com/services/T000/B000",
  format: "SLACK",
  events: ["worker.idle_warning", "worker.auto_stopped"],
  enabled: true,
  lastDeliveryAt: iso(T0 - 5 * 60_000),
  lastError: "HTTP 500 from the receiver",
};

function fleet(role: "ADMIN" | "OPERATOR" | "VIEWER" | "USER" = "ADMIN") {
  return new FakeFleetClient({
    viewer: { name: role === "USER" ? "student-1" : "ops", role },
    workers: [
      aSnapshotWorker({
        id: "w-a",
        name: "alpha",
        owner: "student-1",
        schedule: { id: "sch-1", name: "lab-hours" },
        nextScheduledAction: { action: "START", at: START_AT },
      }),
    ],
    schedules: [LAB_HOURS, NIGHTS],
    channels: [CHANNEL],
    snapshots: {
      "w-a": [
        {
          id: "snap-row-1",
          snapshotId: "snap-0123456789abcdef0",
          state: "COMPLETED",
          description: "before the exam",
          sizeGiB: 64,
          createdAt: iso(T0 - 3_600_000),
        },
      ],
    },
  });
}

async function command(view: ReturnType<typeof renderMonitor>, text: string) {
  view.press(":");
  await until(() => expect(lines(view.frame()).some((line) => /^:\s*$/.test(line))).toBe(true));
  view.press(text);
  await until(() => expect(view.frame()).toContain(`:${text}`));
  view.press(KEYS.enter);
}

describe("owner and schedule columns", () => {
  it("show the owner, the schedule and its next action on a wide terminal", async () => {
    const view = renderMonitor(fleet(), { columns: 250, rows: 30 });
    await until(() => expect(view.frame()).toContain("alpha"));
    expect(rowOf(view.frame(), "NAME")).toMatch(/STATUS\s+OWNER\s+.*SCHEDULE \/ NEXT/);
    expect(rowOf(view.frame(), "alpha")).toMatch(/RUNNING\s+student-1\s/);
    expect(rowOf(view.frame(), "alpha")).toContain(
      `lab-hours ${scheduledActionText({ action: "START", at: START_AT }, T0)}`,
    );
    expect(scheduledActionText({ action: "START", at: START_AT }, T0)).toMatch(/^START \d\d:\d\d$/);
  });

  it("show the owner and schedule in the detail pane, with the worker's snapshots", async () => {
    const view = renderMonitor(fleet(), { columns: 160, rows: 40 });
    await until(() => expect(view.frame()).toContain("alpha"));
    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("Snapshots (1)"));
    const frame = view.frame();
    expect(rowOf(frame, "owner")).toMatch(/owner\s+student-1/);
    expect(rowOf(frame, "schedule ")).toMatch(/lab-hours, next START \d\d:\d\d \(in 2h00m\)/);
    expect(rowOf(frame, "snap-0123456789abcdef0")).toMatch(
      /COMPLETED\s+1h00m ago\s+64 GiB\s+snap-0123456789abcdef0\s+before the exam/,
    );
  });
});

describe(":schedules", () => {
  it("lists each schedule's zone, windows, next closed dates, ready-at-start and workers with their next action", async () => {
    const view = renderMonitor(fleet("VIEWER"), { columns: 160, rows: 30, now: T0 });
    await until(() => expect(view.frame()).toContain("alpha"));
    await command(view, "schedules");
    await until(() => expect(view.frame()).toContain("Europe/Paris"));
    const frame = view.frame();
    expect(rowOf(frame, "SCHEDULE")).toMatch(/^SCHEDULE\s+ZONE\s+WINDOWS\s+CLOSED\s+READY\s+WORKERS/);
    expect(rowOf(frame, "lab-hours")).toMatch(
      /^lab-hours\s+Europe\/Paris\s+MON-FRI 08:30-18:00; SAT 09:00-12:00\s+2026-12-25 2027-01-01 \+1\s+yes\s+1$/,
    );
    expect(rowOf(frame, "  alpha")).toMatch(/^ {2}alpha\s+START \d\d:\d\d \(in 2h00m\)$/);
    expect(rowOf(frame, "nights")).toMatch(/^nights\s+UTC\s+MON,WED 22:00-02:00\s+-\s+no\s+0$/);
    view.press(KEYS.tab);
    await until(() => expect(rowOf(view.frame(), "NAME")).toContain("STATUS"));
  });
});

describe(":channels", () => {
  it("shows an ADMIN each channel's format, events, last delivery, last error and URL", async () => {
    const view = renderMonitor(fleet("ADMIN"), { columns: 200, rows: 30 });
    await until(() => expect(view.frame()).toContain("alpha"));
    await command(view, "channels");
    await until(() => expect(view.frame()).toContain("ops-slack"));
    expect(rowOf(view.frame(), "CHANNEL")).toMatch(
      /^CHANNEL\s+FORMAT\s+ON\s+EVENTS\s+LAST DELIVERY\s+LAST ERROR\s+URL$/,
    );
    expect(rowOf(view.frame(), "ops-slack")).toMatch(
      /^ops-slack\s+SLACK\s+yes\s+worker\.idle_warning,worker\.…\s+5m00s ago\s+HTTP 500 from the receiver\s+https:\/\/hooks\.example\.com\/services\/T000\/B000$/,
    );
  });

  it("tells any other role it needs ADMIN, and reads nothing", async () => {
    const client = fleet("OPERATOR");
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("alpha"));
    await command(view, "channels");
    await until(() =>
      expect(view.frame()).toContain(
        "The notification channels needs the ADMIN role (this token is OPERATOR)",
      ),
    );
    expect(rowOf(view.frame(), "NAME")).toContain("STATUS");
  });
});

describe(": commands for the new actions, each behind a confirmation", () => {
  it(":keepalive 2h asks, then keeps the worker alive until two hours from now", async () => {
    const client = fleet("OPERATOR");
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("alpha"));
    await command(view, "keepalive soon");
    await until(() => expect(view.frame()).toContain('"soon" is not a duration'));
    await command(view, "keepalive 2h");
    await until(() =>
      expect(view.frame()).toContain("Keep alpha alive for 2h00m (no auto-stop until then)? y yes"),
    );
    expect(client.calls).toEqual([]);
    view.press("y");
    await until(() =>
      expect(client.calls).toEqual([
        { kind: "keep-alive", workerId: "w-a", until: new Date(T0 + 7_200_000) },
      ]),
    );
    await until(() => expect(view.frame()).toContain("alpha kept alive for 2h00m"));
  });

  it(":snapshot asks, then snapshots with the description; n sends nothing", async () => {
    const client = fleet("OPERATOR");
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("alpha"));
    await command(view, "snapshot");
    await until(() =>
      expect(view.frame()).toContain("Snapshot alpha's root volume (its labs with it)? y yes"),
    );
    view.press("n");
    await until(() => expect(view.frame()).not.toContain("Snapshot alpha"));
    await command(view, "snapshot before the exam");
    await until(() => expect(view.frame()).toContain('Snapshot alpha ("before the exam")? y yes'));
    view.press("y");
    await until(() =>
      expect(client.calls).toEqual([{ kind: "snapshot", workerId: "w-a", description: "before the exam" }]),
    );
    await until(() => expect(view.frame()).toContain("snapshot requested for alpha"));
  });

  it(":schedule <name> attaches and :schedule none detaches, each after a confirmation; an unknown name is named", async () => {
    const client = fleet("OPERATOR");
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("alpha"));
    await command(view, "schedule weekends");
    await until(() =>
      expect(view.frame()).toContain('No schedule "weekends" (schedules: lab-hours, nights)'),
    );
    await command(view, "schedule NIGHTS");
    await until(() =>
      expect(view.frame()).toContain("Put alpha on schedule nights (it starts and stops alpha)? y yes"),
    );
    view.press("y");
    await until(() =>
      expect(client.calls).toEqual([{ kind: "set-schedule", workerId: "w-a", scheduleId: "sch-2" }]),
    );
    await command(view, "schedule none");
    await until(() => expect(view.frame()).toContain("Take alpha off its schedule? y yes"));
    view.press("y");
    await until(() =>
      expect(client.calls.at(-1)).toEqual({ kind: "set-schedule", workerId: "w-a", scheduleId: null }),
    );
  });

  it("refuses them to a VIEWER with the role they need, sending nothing", async () => {
    const client = fleet("VIEWER");
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("alpha"));
    await command(view, "snapshot");
    await until(() =>
      expect(view.frame()).toContain("Unavailable: snapshot needs the OPERATOR role (this token is VIEWER)"),
    );
    await command(view, "schedule nights");
    await until(() => expect(view.frame()).toContain("Unavailable: schedule needs the OPERATOR role"));
    expect(client.calls).toEqual([]);
  });
});

describe("a USER's monitor", () => {
  it("offers only what a USER may do: start, stop, keep-alive and snapshot; never terminate, refresh or schedules", async () => {
    const client = fleet("USER");
    const view = renderMonitor(client, { columns: 200 });
    await until(() => expect(view.frame()).toContain("(USER)"));
    await until(() => expect(view.frame()).toContain("alpha"));
    const footer = footerOf(view.frame());
    expect(footer).toMatch(/^s start\s+x stop\s+K keep-alive\s+\? help/);
    expect(footer).not.toContain("terminate");
    expect(footer).not.toContain("refresh");

    view.press("t");
    view.press("r");
    await command(view, "schedule nights");
    await until(() => expect(view.frame()).toContain(":schedule is not available to this token"));
    await command(view, "stoplabs");
    await until(() =>
      expect(view.frame()).toContain("Stopping labs needs the OPERATOR role (this token is USER)"),
    );
    await command(view, "channels");
    await until(() => expect(view.frame()).toContain("needs the ADMIN role (this token is USER)"));
    expect(client.calls).toEqual([]);

    await command(view, "snapshot mine");
    await until(() => expect(view.frame()).toContain('Snapshot alpha ("mine")? y yes'));
    view.press("y");
    await until(() =>
      expect(client.calls).toEqual([{ kind: "snapshot", workerId: "w-a", description: "mine" }]),
    );
    view.press("x");
    await until(() => expect(view.frame()).toContain("Stop alpha? y yes"));
    view.press("n");
    view.press("?");
    await until(() => expect(view.frame()).toContain(":snapshot"));
    expect(view.frame()).toContain(":keepalive");
    expect(view.frame()).not.toContain(":schedule ");
    expect(view.frame()).not.toContain(":channels");
  });
});
