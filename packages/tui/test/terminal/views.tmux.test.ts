import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createApiTokenRepository,
  hashTokenSecret,
} from "@cml-fleet/platform/repositories/api-token.repository";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateTokenSecret } from "../../../api/src/auth/token-secret";
import type { TestApi, TestFleet } from "../../../api/test/graphql/support/test-fleet";
import { aWorker } from "../../../api/test/support/worker-factory";
import { createGraphqlHttp, type GraphqlRequest } from "../../src/data/graphql-http";
import { displayWidth } from "../../src/display-width";
import { type SimulatedFleet, startSimulatedFleet } from "../support/simulated-fleet";
import { MONITOR_BIN, startTmuxSession, type TmuxSession } from "./support/tmux-session";

/**
 * Each of the monitor's views in a real terminal (tmux) against the API, job workers and the simulator,
 * with what the views show made through the API: a worker launched, snapshotted, owned and put on a
 * schedule, a notification channel. With TUI_CAPTURE_DIR set, the screens are written there as text (the
 * README's captures come from here: `TUI_CAPTURE_DIR=docs/screens pnpm exec vitest run test/terminal/views`).
 */
const SIZE = { columns: 160, rows: 32 };
const CAPTURE_DIR = process.env.TUI_CAPTURE_DIR;

describe("the monitor's views in a real terminal (tmux)", () => {
  let fleet: TestFleet;
  let api: TestApi;
  let stack: SimulatedFleet | undefined;
  let admin: GraphqlRequest;
  let terminal: TmuxSession | null = null;
  /** A USER's token, named as the owner of the launched worker. */
  const studentToken = generateTokenSecret();

  const waitFor = <T>(read: () => Promise<T>, timeout = 60_000) =>
    vi.waitFor(read, { timeout, interval: 100 });

  beforeAll(async () => {
    stack = await startSimulatedFleet("tui-tmux-views", {
      sim: { snapshotDelayMs: 300 },
      env: { CML_LICENSE_TOKEN: "" },
    });
    ({ fleet, api } = stack);
    admin = createGraphqlHttp({ url: api.url, token: fleet.tokens.ADMIN });

    // A worker launched through the API, owned by a student, snapshotted, and put on a schedule.
    const { createWorker } = await admin<{ createWorker: { worker: { id: string } } }>(
      `mutation { createWorker(input: { name: "ccna-lab-1", region: "us-east-1", owner: "student-1" }) { worker { id } } }`,
    );
    const id = createWorker.worker.id;
    await waitFor(async () => {
      const { worker } = await admin<{ worker: { serviceStatus: string } }>(
        "query($id: ID!) { worker(id: $id) { serviceStatus } }",
        { id },
      );
      expect(worker.serviceStatus).toBe("AVAILABLE");
    });
    await admin(
      'mutation($id: ID!) { snapshotWorker(id: $id, description: "week 3: OSPF") { job { id } } }',
      {
        id,
      },
    );
    await waitFor(async () => {
      const { worker } = await admin<{ worker: { snapshots: { state: string }[] } }>(
        "query($id: ID!) { worker(id: $id) { snapshots { state } } }",
        { id },
      );
      expect(worker.snapshots.map((snapshot) => snapshot.state)).toEqual(["COMPLETED"]);
    });
    const { createSchedule } = await admin<{ createSchedule: { id: string } }>(
      `mutation { createSchedule(input: {
        name: "lab-hours", timeZone: "Europe/Paris", readyAtStart: true,
        windows: [{ days: [MON, TUE, WED, THU, FRI], start: "08:30", end: "18:00" }, { days: [SAT], start: "09:00", end: "12:00" }],
        closedDates: ["2026-12-25", "2027-01-01"]
      }) { id } }`,
    );
    await admin("mutation($id: ID!, $s: ID) { setWorkerSchedule(id: $id, scheduleId: $s) { id } }", {
      id,
      s: createSchedule.id,
    });
    // Another student's worker, which student-1 must not see.
    await fleet.workers.insert(aWorker({ name: "ccna-lab-2", status: "RUNNING", owner: "student-2" }), []);
    await createApiTokenRepository(fleet.db.db).create({
      name: "student-1",
      role: "USER",
      tokenHash: hashTokenSecret(studentToken),
      createdAt: new Date(),
    });
    await admin(
      `mutation { createNotificationChannel(input: {
        name: "ops-slack", url: "https://hooks.example.com/services/T000/B000", format: SLACK,
        events: ["worker.idle_warning", "worker.auto_stopped"]
      }) { id } }`,
    );
  }, 120_000);

  afterAll(async () => {
    await terminal?.close();
    await stack?.close();
  }, 60_000);

  /** The screen fits the terminal, and (with TUI_CAPTURE_DIR) is written there as `<name>.txt`. */
  const capture = async (session: TmuxSession, name: string) => {
    const screen = await session.screen();
    expect(screen.length).toBeLessThanOrEqual(SIZE.rows);
    for (const row of screen) {
      expect(displayWidth(row)).toBeLessThanOrEqual(SIZE.columns);
    }
    expect(screen.filter((row) => /\? help\s+q quit/.test(row))).toHaveLength(1);
    if (CAPTURE_DIR !== undefined) {
      await mkdir(CAPTURE_DIR, { recursive: true });
      await writeFile(join(CAPTURE_DIR, `${name}.txt`), `${screen.join("\n").trimEnd()}\n`);
    }
    return screen;
  };

  const command = async (session: TmuxSession, text: string) => {
    await session.type(":");
    await session.waitForRow(/^:\s*$/);
    await session.type(text);
    await session.waitForRow(`:${text}`);
    await session.pressKeys("Enter");
  };

  it("draws the workers table, the detail pane with snapshots, :schedules, :channels, :columns, jobs, :audit and help", async () => {
    const session = await startTmuxSession({
      command: [process.execPath, MONITOR_BIN, "--url", api.url],
      env: { CML_FLEET_TOKEN: fleet.tokens.ADMIN },
      ...SIZE,
    });
    terminal = session;

    let screen = await session.waitForRow(/^ccna-lab-1\s+us-east-1\s+RUNNING\s+student-1\s+AVAILABLE/);
    await session.waitForRow(/lab-hours (START|STOP) /);
    screen = await capture(session, "workers");
    expect(screen[2]).toMatch(/^NAME\s+REGION\s+STATUS\s+OWNER\s+CML/);

    await session.pressKeys("Enter");
    await session.waitForRow(/Snapshots \(1\)/);
    screen = await session.waitForRow(/COMPLETED\s+\S+ ago\s+64 GiB\s+snap-[0-9a-f]{17}\s+week 3: OSPF/);
    expect(screen.join("\n")).toMatch(/owner\s+student-1/);
    expect(screen.join("\n")).toMatch(/schedule\s+lab-hours, next (START|STOP) /);
    await capture(session, "detail");
    await session.pressKeys("Escape");
    await session.waitForRow(/^NAME\s+REGION/);

    await command(session, "schedules");
    screen = await session.waitForRow(/^lab-hours\s+Europe\/Paris\s+MON-FRI 08:30-18:00; SAT 09:00-12:00/);
    expect(screen.join("\n")).toMatch(/^ {2}ccna-lab-1\s+(START|STOP) .*\(in /m);
    await capture(session, "schedules");

    await command(session, "channels");
    screen = await session.waitForRow(/^ops-slack\s+SLACK\s+yes\s+worker\.idle_warning/);
    expect(screen.join("\n")).toContain("https://hooks.example.com/services/T000/B000");
    await capture(session, "channels");

    await command(session, "columns");
    await session.waitForRow(/^\[x\] owner\s+OWNER/);
    await capture(session, "columns");
    await session.pressKeys("Escape");

    await command(session, "jobs");
    await session.waitForRow(/snapshot/);
    await capture(session, "jobs");

    await command(session, "audit");
    await session.waitForRow(/createNotificationChannel\s+allowed/);
    await capture(session, "audit");

    await session.type("?");
    await session.waitForRow(/^:schedule\s+<name>\|none/);
    await capture(session, "help");
    await session.pressKeys("Escape");
    expect(await session.exited()).toBe(false);
    await session.close();
    terminal = null;
  });

  it("shows a USER only its own workers and only the actions a USER may take", async () => {
    const session = await startTmuxSession({
      command: [process.execPath, MONITOR_BIN, "--url", api.url],
      env: { CML_FLEET_TOKEN: studentToken },
      ...SIZE,
    });
    terminal = session;
    let screen = await session.waitForRow(/^ccna-lab-1\s+us-east-1\s+RUNNING\s+student-1/);
    expect(screen[0]).toMatch(/^cml-fleet ● live {2}student-1 \(USER\)/);
    expect(screen[1]).toMatch(/^1 workers/);
    expect(screen.join("\n")).not.toContain("ccna-lab-2");
    const footer = screen.find((row) => row.includes("? help")) ?? "";
    expect(footer).toMatch(/^s start {2}x stop {2}K keep-alive {2}\? help/);
    expect(footer).not.toMatch(/terminate|refresh/);
    await capture(session, "user");

    await command(session, "channels");
    screen = await session.waitForRow("The notification channels needs the ADMIN role (this token is USER)");
    await command(session, "snapshot mine");
    await session.waitForRow('Snapshot ccna-lab-1 ("mine")? y yes  n no');
    await session.type("n");
    await vi.waitFor(async () =>
      expect((await session.screen()).join("\n")).not.toContain("Snapshot ccna-lab-1"),
    );
    expect(await session.exited()).toBe(false);
  });
});
