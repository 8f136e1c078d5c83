import type { FleetClient, StreamHandlers } from "@cml-fleet/tui/data/fleet-client.port";
import type { SnapshotWorker, Worker } from "@cml-fleet/tui/data/fleet-types";
import { Monitor } from "@cml-fleet/tui/Monitor";
import { MONITOR_RENDER_OPTIONS } from "@cml-fleet/tui/render-options";
import { render } from "ink";
import { createElement } from "react";
import { failStartup, send, serveRunner } from "../harness/child-side";
import { FakeTerminalIn, FakeTerminalOut } from "../harness/fake-terminal";

interface Settings {
  readonly workers: number;
  readonly columns: number;
  readonly rows: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** False: feed the updates to a bare subscriber and render nothing (the cost of the feed alone). */
  readonly render: boolean;
}

function aWorker(index: number, now: number): SnapshotWorker {
  const id = `w-${String(index).padStart(5, "0")}`;
  const at = new Date(now).toISOString();
  return {
    id,
    name: `bench-${String(index).padStart(5, "0")}`,
    region: index % 2 === 0 ? "us-east-1" : "us-west-2",
    instanceType: "m5zn.metal",
    amiId: "ami-0bench",
    amiName: "CML-2.9.0",
    cmlVersion: "2.9.0",
    instanceId: `i-${index.toString(16).padStart(17, "0")}`,
    publicIp: `127.9.${(index >> 8) & 255}.${index & 255}`,
    privateIp: `10.0.${(index >> 8) & 255}.${index & 255}`,
    endpoint: null,
    status: "RUNNING",
    desiredStatus: "RUNNING",
    statusReason: null,
    serviceStatus: "AVAILABLE",
    serviceStatusReason: null,
    license: { status: "REGISTERED", nodeLimit: 20, nodesInUse: index % 7 },
    telemetry: {
      sampledAt: at,
      cpuPercent: index % 100,
      memoryPercent: 40,
      runningNodes: index % 7,
      startedLabs: 1,
    },
    statusChecks: { system: "ok", instance: "ok", checkedAt: at },
    labs: [],
    idle: {
      enabled: true,
      thresholdMinutes: 60,
      isIdle: false,
      lastActivityAt: at,
      idleSince: null,
      autoStopAt: null,
      keepAliveUntil: null,
    },
    cost: { hourlyRate: 3.96, accrued: index / 10, savedByAutoStop: 0 },
    tags: [{ key: "team", value: `team-${index % 20}` }],
    activeJob: null,
    owner: null,
    schedule: null,
    nextScheduledAction: null,
    createdBy: "bench",
    createdAt: at,
    updatedAt: at,
    recentTelemetry: [],
  };
}

/** A FleetClient that serves a fixed snapshot and lets the child push worker updates. */
function fakeClient(snapshot: readonly SnapshotWorker[]) {
  const handlers = new Set<StreamHandlers<Worker>>();
  const client: FleetClient = {
    viewer: async () => ({ name: "bench", role: "VIEWER" }),
    workers: async () => [...snapshot],
    jobs: async () => [],
    events: async () => [],
    workerEvents: async () => [],
    auditLog: async () => [],
    schedules: async () => [],
    notificationChannels: async () => [],
    workerSnapshots: async () => [],
    onWorkerChanged: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    onFleetEvent: () => () => undefined,
    onJobUpdated: () => () => undefined,
    onConnectionChange: (listener) => {
      listener({ kind: "live" });
      return () => undefined;
    },
    runWorkerAction: async () => undefined,
    keepAlive: async () => undefined,
    retryJob: async () => undefined,
    stopLabs: async () => undefined,
    snapshotWorker: async () => undefined,
    setWorkerSchedule: async () => undefined,
    close: async () => undefined,
  };
  return {
    client,
    emit: (worker: Worker) => {
      for (const h of handlers) {
        h.next(worker);
      }
    },
  };
}

/** Ink keeps its instance per stdout; its last frame is what the terminal shows. */
async function lastFrameOf(stdout: object): Promise<() => string | null> {
  const instancesUrl = new URL("./instances.js", import.meta.resolve("ink"));
  const module = (await import(instancesUrl.href)) as { default: WeakMap<object, unknown> };
  return () => {
    const ink = module.default.get(stdout);
    return typeof ink === "object" &&
      ink !== null &&
      "lastOutput" in ink &&
      typeof ink.lastOutput === "string"
      ? ink.lastOutput
      : null;
  };
}

/**
 * The monitor rendered exactly as main.tsx renders it (15 fps, incremental),
 * into a fake terminal of the given size, fed 1,000 worker updates a second.
 */
async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_TUI ?? "{}") as Settings;
  const start = Date.now();
  const snapshot = Array.from({ length: settings.workers }, (_, index) => aWorker(index, start));
  const { client, emit } = fakeClient(snapshot);
  const stdout = new FakeTerminalOut(settings.columns, settings.rows);
  const stdin = new FakeTerminalIn();
  const frame = await lastFrameOf(stdout);
  let frames = 0;
  let tallest = 0;
  if (!settings.render) {
    client.onWorkerChanged({ next: () => undefined, error: () => undefined });
  }
  const app = !settings.render
    ? null
    : render(createElement(Monitor, { client, readonly: true }), {
        stdout: stdout as unknown as NodeJS.WriteStream,
        stdin: stdin as unknown as NodeJS.ReadStream,
        stderr: stdout as unknown as NodeJS.WriteStream,
        ...MONITOR_RENDER_OPTIONS,
        patchConsole: false,
        onRender: () => {
          frames++;
          // Ink stores the frame right after this callback returns.
          setImmediate(() => {
            const text = frame();
            if (text !== null) {
              tallest = Math.max(tallest, text.split("\n").length);
            }
          });
        },
      });

  // Every worker once a second, spread evenly. Each tick sends what the elapsed time calls for, so a
  // late timer (a busy machine) does not lower the offered rate.
  let cursor = 0;
  let updates = 0;
  const feedStart = performance.now();
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - feedStart) / 1000) * settings.workers);
    const now = Date.now();
    const at = new Date(now).toISOString();
    for (; cursor < due; cursor++) {
      const base = snapshot[cursor % snapshot.length];
      if (base === undefined) {
        continue;
      }
      const { recentTelemetry: _history, ...worker } = base;
      emit({
        ...worker,
        telemetry:
          worker.telemetry === null
            ? null
            : { ...worker.telemetry, sampledAt: at, cpuPercent: (cursor * 13) % 100 },
        updatedAt: at,
      });
      updates++;
    }
  }, 10);

  await new Promise((resolve) => setTimeout(resolve, settings.warmupMs));
  const framesBefore = frames;
  const updatesBefore = updates;
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  await new Promise((resolve) => setTimeout(resolve, settings.measureMs));
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - began;
  clearInterval(ticker);
  await new Promise((resolve) => setImmediate(resolve));
  const result = {
    type: "result",
    cpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
    wallMs,
    frames: frames - framesBefore,
    updates: updates - updatesBefore,
    tallest,
    rows: settings.rows,
    clears: stdout.clears,
    bytes: stdout.bytes,
  };
  serveRunner(
    async () => null,
    async () => {
      app?.unmount();
    },
  );
  send({ type: "ready" });
  send(result);
}

main().catch(failStartup);
