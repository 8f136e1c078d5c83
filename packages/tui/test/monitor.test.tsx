import { stripVTControlCharacters } from "node:util";
import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeFleetClient } from "./support/fake-fleet-client";
import { aJob, anEvent, aSnapshotWorker, iso, T0 } from "./support/fleet-factory";
import { KEYS, renderMonitor } from "./support/render-monitor";

afterEach(() => {
  cleanup();
});

const lines = (frame: string) => stripVTControlCharacters(frame).split("\n");
const rowOf = (frame: string, name: string) => lines(frame).find((line) => line.includes(name)) ?? "";
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 10 });

function threeWorkers() {
  return [
    aSnapshotWorker({ id: "w-c", name: "charlie", region: "us-west-2", telemetry: null, status: "STOPPED" }),
    aSnapshotWorker({ id: "w-a", name: "alpha", region: "us-east-1" }, [10, 50, 90]),
    aSnapshotWorker({
      id: "w-b",
      name: "bravo",
      region: "us-east-1",
      idle: { isIdle: true, idleSince: iso(T0 - 25 * 60_000), autoStopAt: iso(T0 + 5 * 60_000 + 1000) },
    }),
  ];
}

describe("the fleet table", () => {
  it("lists workers by name with their status, service, license, CPU, idle countdown and cost", async () => {
    const view = renderMonitor(new FakeFleetClient({ workers: threeWorkers() }));
    await until(() => expect(view.frame()).toContain("charlie"));
    const frame = view.frame();
    const order = ["alpha", "bravo", "charlie"].map((name) => frame.indexOf(name));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(rowOf(frame, "alpha")).toMatch(/us-east-1\s+RUNNING\s+AVAILABLE\s+2\/2\s+REGISTERED\s+4\/1\s+42%/);
    expect(rowOf(frame, "alpha")).toContain("$0.34");
    expect(rowOf(frame, "bravo")).toContain("25m00s stop 5m01s");
    expect(rowOf(frame, "charlie")).toMatch(/STOPPED.*\$0\.00/);
    expect(frame).toContain("3 workers");
    expect(frame).toContain("running 2");
    expect(frame).toContain("stopped 1");
    expect(frame).toContain("idle 1");
    expect(frame).toContain("$0.68/h");
    expect(frame).toContain("● live");
  });

  it("reorders on a sort key and reverses on the same key again", async () => {
    const workers = [
      aSnapshotWorker({ name: "low", telemetry: { cpuPercent: 5 } }),
      aSnapshotWorker({ name: "high", telemetry: { cpuPercent: 95 } }),
    ];
    const view = renderMonitor(new FakeFleetClient({ workers }));
    await until(() => expect(view.frame()).toContain("high"));
    expect(view.frame().indexOf("high")).toBeLessThan(view.frame().indexOf("low"));
    view.press("C");
    await until(() => expect(view.frame().indexOf("high")).toBeLessThan(view.frame().indexOf("low")));
    view.press("C");
    await until(() => expect(view.frame().indexOf("low")).toBeLessThan(view.frame().indexOf("high")));
  });

  it("shows a streamed change and ignores one older than what it holds", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("alpha"));
    const [, alpha] = client.workerList;
    if (!alpha) {
      throw new Error("fixture");
    }
    client.emitWorker({ ...alpha, status: "STOPPING", updatedAt: iso(T0 + 5000) });
    await until(() => expect(rowOf(view.frame(), "alpha")).toContain("STOPPING"));
    client.emitWorker({ ...alpha, status: "FAILED", updatedAt: iso(T0 + 1000) });
    client.emitWorker({ ...alpha, status: "STOPPED", updatedAt: iso(T0 + 9000) });
    await until(() => expect(rowOf(view.frame(), "alpha")).toContain("STOPPED"));
    expect(view.frame()).not.toContain("FAILED");
  });
});

describe("filtering", () => {
  it("narrows the table as the filter is typed, and esc clears it", async () => {
    const view = renderMonitor(new FakeFleetClient({ workers: threeWorkers() }));
    await until(() => expect(view.frame()).toContain("charlie"));
    view.press("/");
    for (const char of "west") {
      view.press(char);
    }
    await until(() => expect(view.frame()).not.toContain("alpha"));
    expect(view.frame()).toContain("charlie");
    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("filter: west"));
    view.press("/");
    view.press(KEYS.backspace);
    for (const char of "xyz") {
      view.press(char);
    }
    await until(() => expect(view.frame()).toContain('No worker matches "wesxyz"'));
    view.press(KEYS.escape);
    await until(() => expect(view.frame()).toContain("alpha"));
    expect(view.frame()).toContain("charlie");
  });

  it("moves the cursor off a row the filter hides, so an action never hits an unseen worker", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("charlie"));
    view.press("j");
    view.press("/");
    for (const char of "west") {
      view.press(char);
    }
    view.press(KEYS.enter);
    view.press("x");
    await until(() => expect(view.frame()).toContain("Stop charlie? y yes"));
  });

  it("matches status as well as name and region", async () => {
    const view = renderMonitor(new FakeFleetClient({ workers: threeWorkers() }));
    await until(() => expect(view.frame()).toContain("charlie"));
    view.press("/");
    for (const char of "stopped") {
      view.press(char);
    }
    await until(() => expect(view.frame()).not.toContain("bravo"));
    expect(view.frame()).toContain("charlie");
  });
});

describe("the detail pane", () => {
  it("shows every field, tags, labs, recent events and the active job's progress", async () => {
    const worker = aSnapshotWorker({
      id: "w-d",
      name: "delta",
      statusReason: "started by alice",
      tags: [{ key: "team", value: "netops" }],
      labs: [{ id: "l1", title: "BGP lab", state: "STARTED" }],
      activeJob: aJob({ id: "job-9", name: "refresh", progress: 0.3, step: "reading labs", workerId: "w-d" }),
    });
    const client = new FakeFleetClient({
      workers: [worker],
      events: [anEvent({ workerId: "w-d", message: "license registered" })],
    });
    const view = renderMonitor(client, { columns: 120, rows: 30 });
    await until(() => expect(view.frame()).toContain("delta"));
    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("Recent events"));
    await until(() => expect(view.frame()).toMatch(/\d\d:\d\d:\d\d license registered/));
    const frame = view.frame();
    for (const text of [
      "started by alice",
      "c5.2xlarge",
      "i-w-d",
      "127.1.0.1 / 10.0.0.1",
      "team=netops",
      "BGP lab",
      "refresh  ACTIVE",
      "[######--------------]  30% reading labs",
      "accrued $1.20",
    ]) {
      expect(frame).toContain(text);
    }
    client.emitJob({ ...aJob({ id: "job-9", name: "refresh", workerId: "w-d" }), progress: 0.9 });
    await until(() => expect(view.frame()).toContain("90%"));
    view.press(KEYS.escape);
    await until(() => expect(view.frame()).toContain("NAME"));
  });
});

describe("actions", () => {
  it("stops the selected worker only after confirmation", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("charlie"));
    view.press("j");
    view.press("x");
    await until(() => expect(view.frame()).toContain("Stop bravo? y yes"));
    expect(client.calls).toEqual([]);
    view.press("y");
    await until(() =>
      expect(client.calls).toEqual([{ kind: "action", action: "stop", workerId: "w-b", force: false }]),
    );
    await until(() => expect(view.frame()).toContain("stop requested for bravo"));
  });

  it("sends nothing when the confirmation is declined, and terminates with force on f", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("charlie"));
    view.press("t");
    await until(() => expect(view.frame()).toContain("Terminate alpha?"));
    view.press("n");
    await until(() => expect(view.frame()).not.toContain("Terminate alpha?"));
    view.press("t");
    await until(() => expect(view.frame()).toContain("Terminate alpha?"));
    view.press("f");
    await until(() =>
      expect(client.calls).toEqual([{ kind: "action", action: "terminate", workerId: "w-a", force: true }]),
    );
  });

  it("asks how long to keep a worker alive and sends that instant", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("charlie"));
    view.press("K");
    await until(() => expect(view.frame()).toContain("keep alive for"));
    for (const char of "2h") {
      view.press(char);
    }
    view.press(KEYS.enter);
    await until(() => expect(client.calls).toHaveLength(1));
    expect(client.calls[0]).toEqual({
      kind: "keep-alive",
      workerId: "w-a",
      until: new Date(T0 + 2 * 3_600_000),
    });
  });

  it("shows an API error as one line", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    client.mutationError = new Error("Worker charlie is stopped: start it first");
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("charlie"));
    view.press("r");
    await until(() => expect(view.frame()).toContain("Worker charlie is stopped: start it first"));
  });

  it("marks actions the token's role may not do as unavailable and never sends them", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers(), viewer: { name: "op", role: "OPERATOR" } });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("op (OPERATOR)"));
    expect(view.frame()).toContain("t terminate");
    view.press("t");
    await until(() => expect(view.frame()).toContain("Unavailable: terminate needs the ADMIN role"));
    expect(client.calls).toEqual([]);
  });

  it("hides every action in read-only mode", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client, { readonly: true });
    await until(() => expect(view.frame()).toContain("charlie"));
    expect(view.frame()).toContain("read-only");
    const footer = lines(view.frame()).at(-1) ?? "";
    expect(footer).toContain("j/k move");
    for (const label of ["start", "stop", "terminate", "refresh", "keep-alive"]) {
      expect(footer).not.toContain(` ${label}`);
    }
    for (const key of ["s", "x", "t", "r", "K"]) {
      view.press(key);
    }
    view.press("?");
    await until(() => expect(view.frame()).toContain("close this help"));
    expect(view.frame()).not.toContain("terminate");
    expect(client.calls).toEqual([]);
  });
});

describe("the jobs view", () => {
  it("lists state, progress, attempts and last error, and retries the selected job", async () => {
    const worker = aSnapshotWorker({ id: "w-j", name: "juliet" });
    const failed = aJob({
      id: "job-f",
      name: "provision",
      workerId: "w-j",
      state: "FAILED",
      progress: 0.25,
      attempts: 3,
      failedReason: "InsufficientInstanceCapacity",
      createdAt: iso(T0 + 1000),
    });
    const client = new FakeFleetClient({ workers: [worker], jobs: [aJob({ name: "stop" }), failed] });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("juliet"));
    view.press(KEYS.tab);
    await until(() => expect(view.frame()).toContain("InsufficientInstanceCapacity"));
    expect(rowOf(view.frame(), "provision")).toMatch(/juliet\s+FAILED\s+\[##-------\]\s+25%\s+3/);
    view.press("r");
    await until(() => expect(client.calls).toEqual([{ kind: "retry", jobId: "job-f" }]));
    view.press(":");
    for (const char of "workers") {
      view.press(char);
    }
    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("NAME"));
  });
});

describe("panes and help", () => {
  it("toggles the event log, and lists the keys with what the role may not do", async () => {
    const client = new FakeFleetClient({
      workers: threeWorkers(),
      events: [anEvent({ workerId: "w-a", message: "alpha: CML 2.9.0 is ready" })],
      viewer: { name: "watcher", role: "VIEWER" },
    });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toMatch(/\d\d:\d\d:\d\d alpha CML 2\.9\.0 is ready \(system\)/));
    view.press("e");
    await until(() => expect(view.frame()).not.toContain("CML 2.9.0 is ready"));
    view.press(":");
    for (const char of "events") {
      view.press(char);
    }
    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("CML 2.9.0 is ready"));
    view.press("?");
    await until(() => expect(view.frame()).toContain("stop — unavailable: stop needs the OPERATOR role"));
    view.press(KEYS.escape);
    await until(() => expect(view.frame()).toContain("NAME"));
  });
});

describe("connection state", () => {
  it("shows reconnecting while the API is away, then reloads the snapshot when it is back", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("● live"));
    expect(client.snapshotLoads).toBe(1);
    client.setConnection({
      kind: "reconnecting",
      attempt: 2,
      retryAt: T0 + 4000,
      reason: "connect ECONNREFUSED",
    });
    await until(() => expect(view.frame()).toContain("reconnecting (retry in 4s)"));
    expect(view.frame()).toContain("API connection lost: connect ECONNREFUSED");
    expect(view.frame()).toContain("alpha");
    client.setConnection({ kind: "live" });
    await until(() => expect(view.frame()).toContain("● live"));
    expect(client.snapshotLoads).toBe(2);
  });
});

describe("robustness", () => {
  it("retries a failed snapshot and shows the failure meanwhile", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    client.failingSnapshots = 1;
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("Unexpected error."));
    await until(() => expect(view.frame()).toContain("charlie"));
    expect(client.snapshotLoads).toBe(2);
  });

  it("shows a stream error as one line and keeps the table", async () => {
    const client = new FakeFleetClient({ workers: threeWorkers() });
    const view = renderMonitor(client);
    await until(() => expect(view.frame()).toContain("charlie"));
    client.emitStreamError(new Error("Not allowed to subscribe"));
    await until(() => expect(view.frame()).toContain("Not allowed to subscribe"));
    expect(view.frame()).toContain("alpha");
  });

  it("applies a burst of 1,000 streamed updates in a single frame", async () => {
    const workers = Array.from({ length: 1000 }, (_, i) => aSnapshotWorker({ id: `w-${i}`, name: `n-${i}` }));
    const client = new FakeFleetClient({ workers });
    const view = renderMonitor(client, { columns: 100, rows: 20 });
    await until(() => expect(view.frame()).toContain("1000 workers"));
    const framesBefore = view.frames.length;
    for (const worker of workers) {
      client.emitWorker({ ...worker, status: "STOPPING", updatedAt: iso(T0 + 1000) });
    }
    await until(() => expect(view.frame()).toContain("stopping 1000"));
    // One batch; a second frame is allowed in case an unrelated render lands in between.
    expect(view.frames.length - framesBefore).toBeLessThanOrEqual(2);
  });
});

describe("terminal size", () => {
  it("fits a narrow terminal: fewer columns, one line per row, never wider or taller", async () => {
    const view = renderMonitor(new FakeFleetClient({ workers: threeWorkers() }), { columns: 44, rows: 12 });
    await until(() => expect(view.frame()).toContain("charlie"));
    const frame = lines(view.frame());
    expect(frame.length).toBeLessThanOrEqual(11);
    for (const line of frame) {
      expect(line.length).toBeLessThanOrEqual(44);
    }
    expect(rowOf(view.frame(), "alpha")).toMatch(/alpha\s+RUNNING\s+42%/);
    expect(view.frame()).not.toContain("LICENSE");
  });

  it.each([
    [30, 8],
    [44, 12],
    [80, 24],
    [200, 60],
  ])("never draws wider or taller than a %ix%i terminal, in any view", async (columns, rows) => {
    const worker = aSnapshotWorker({
      name: "a-worker-with-a-rather-long-name-indeed",
      labs: Array.from({ length: 8 }, (_, i) => ({ id: `l${i}`, title: `lab ${i}`, state: "STARTED" })),
      activeJob: aJob({ name: "provision", progress: 0.4 }),
    });
    const client = new FakeFleetClient({
      workers: [worker, ...threeWorkers()],
      jobs: Array.from({ length: 80 }, (_, i) => aJob({ id: `job-${i}`, failedReason: "x".repeat(300) })),
      events: Array.from({ length: 50 }, (_, i) =>
        anEvent({ workerId: worker.id, message: `event ${i} `.repeat(20) }),
      ),
    });
    const view = renderMonitor(client, { columns, rows });
    await until(() => expect(view.frame()).toContain("alpha"));
    const fits = () => {
      const drawn = lines(view.frame());
      expect(drawn.length).toBeLessThanOrEqual(rows - 1);
      for (const line of drawn) {
        expect(line.length).toBeLessThanOrEqual(columns);
      }
    };
    fits();
    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("a-worker-with"));
    fits();
    view.press(KEYS.escape);
    view.press("?");
    await until(() => expect(view.frame()).toContain("Keys"));
    fits();
    view.press(KEYS.escape);
    await until(() => expect(view.frame()).toContain("NAME"));
    view.press(KEYS.tab);
    await until(() => expect(view.frame()).toContain("JOB"));
    fits();
  });

  it("keeps 1,000 workers in a scrolling window that follows the cursor and the terminal's size", async () => {
    const workers = Array.from({ length: 1000 }, (_, i) =>
      aSnapshotWorker({ id: `w-${i}`, name: `node-${String(i).padStart(4, "0")}` }),
    );
    const view = renderMonitor(new FakeFleetClient({ workers }), { columns: 100, rows: 20 });
    await until(() => expect(view.frame()).toContain("1000 workers"));
    expect(lines(view.frame()).length).toBeLessThanOrEqual(19);
    view.press("G");
    await until(() => expect(view.frame()).toContain("node-0999"));
    expect(view.frame()).not.toContain("node-0000");
    view.resize(100, 40);
    await until(() => expect(lines(view.frame()).length).toBe(39));
    expect(view.frame()).toContain("node-0999");
    view.resize(60, 10);
    await until(() => expect(lines(view.frame()).length).toBeLessThanOrEqual(9));
    expect(view.frame()).toContain("node-0999");
  });
});
