import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestApi, TestFleet } from "../../../api/test/graphql/support/test-fleet";
import { anEvent, aWorker } from "../../../api/test/support/worker-factory";
import type { TerminalSize } from "../../src/components/layout";
import { layoutColumns } from "../../src/components/worker-columns";
import { createGraphqlHttp } from "../../src/data/graphql-http";
import { fit } from "../../src/format";
import { type SimulatedFleet, startSimulatedFleet } from "../support/simulated-fleet";
import { expectConsecutive, expectWorkersFrame, type WorkersFrame } from "./support/monitor-frame";
import { MONITOR_BIN, startTmuxSession, type TmuxSession } from "./support/tmux-session";

/**
 * Issue 18's must-show: the monitor in a real terminal emulator (tmux) against a running API, job workers and
 * the simulator, with 1,000 workers, at 80x24, 160x40 and 250x60, scrolling (PgDn, G, g), after a burst of
 * updates and across resizes: every frame has its header row, one key line, every visible worker exactly
 * once and in order, no line of an earlier frame, and fits the terminal.
 */
const WORKERS = 1000;
const SIZES: readonly TerminalSize[] = [
  { columns: 80, rows: 24 },
  { columns: 160, rows: 40 },
  { columns: 250, rows: 60 },
];

/**
 * Mostly plain names, and at both ends of the list some that are wide (CJK, Hangul), joined or modified emoji,
 * combining marks, and one too wide for any name column, so that the first and last pages show them all.
 */
const SPECIAL_NAMES: Readonly<Record<number, string>> = {
  2: "w0002-日本語",
  3: "w0003-👩‍💻-dev",
  4: `w0004-${"日本語".repeat(6)}`,
  5: "w0005-cafe\u0301",
  6: "w0006-👍🏽",
  999: "w0999-한국어",
  1000: "w1000-😀",
};
function workerName(n: number): string {
  return SPECIAL_NAMES[n] ?? `w${String(n).padStart(4, "0")}`;
}
const NAMES = Array.from({ length: WORKERS }, (_, i) => workerName(i + 1));
/** What the table draws for each name at a size, in the default order (by name): fitted to the name column. */
function drawnNames(size: TerminalSize): string[] {
  const nameColumn = layoutColumns(size.columns).find((column) => column.id === "name");
  const width = nameColumn?.width ?? expect.unreachable("no name column");
  return NAMES.map((name) => fit(name, width).trimEnd());
}

describe("the monitor in a real terminal (tmux) with 1,000 workers", () => {
  let fleet: TestFleet;
  let api: TestApi;
  let stack: SimulatedFleet | undefined;
  let terminal: TmuxSession | null = null;

  beforeAll(async () => {
    stack = await startSimulatedFleet("tui-tmux-fleet", {
      // The burst below comes from the test's own client, on top of the monitor's: no per-client pacing.
      env: { RATE_LIMIT_PER_MINUTE: "0" },
    });
    ({ fleet, api } = stack);
    // Ten at a time: the pool has a few connections, and a thousand waiting for one time out.
    for (let from = 0; from < WORKERS; from += 10) {
      await Promise.all(
        NAMES.slice(from, from + 10).map(async (name, offset) => {
          const n = from + offset;
          const worker = aWorker({ name, status: "RUNNING" }, n);
          const events =
            n % 50 === 0
              ? [
                  anEvent({
                    workerId: worker.id,
                    at: new Date(Date.now() - n * 1000),
                    message: `${name}: started`,
                  }),
                ]
              : [];
          await fleet.workers.insert(worker, events);
        }),
      );
    }
  }, 120_000);

  afterEach(async () => {
    await terminal?.close();
    terminal = null;
  });

  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  const open = async (size: TerminalSize) => {
    terminal = await startTmuxSession({
      command: [process.execPath, MONITOR_BIN, "--url", api.url],
      env: { CML_FLEET_TOKEN: fleet.tokens.OPERATOR },
      ...size,
    });
    return terminal;
  };

  /** Retries until the screen is a whole, right frame that satisfies `check` (a frame may be mid-draw). */
  const frameWhere = async (
    session: TmuxSession,
    size: TerminalSize,
    check: (frame: WorkersFrame, first: number) => void,
  ) => {
    let last: string[] = [];
    try {
      await vi.waitFor(
        async () => {
          last = await session.screen();
          const frame = expectWorkersFrame(last, size, WORKERS);
          check(frame, expectConsecutive(frame.names, drawnNames(size)));
        },
        { timeout: 15_000, interval: 100 },
      );
    } catch (error) {
      throw new Error(`the screen at ${size.columns}x${size.rows} was:\n${last.join("\n")}`, {
        cause: error,
      });
    }
  };

  /** Each key waits for the screen to answer it: a terminal may hand keys typed at once over as one read. */
  const scrollThrough = async (session: TmuxSession, size: TerminalSize) => {
    let tableRows = 0;
    await frameWhere(session, size, (frame, first) => {
      expect(first).toBe(0);
      tableRows = frame.tableRows;
    });
    for (let page = 1; page <= 3; page += 1) {
      await session.pressKeys("PageDown");
      // The cursor moved a page (the table's height) down each time; the window follows it.
      const selected = page * tableRows;
      await frameWhere(session, size, (frame, first) => {
        expect(selected).toBeGreaterThanOrEqual(first);
        expect(selected).toBeLessThan(first + frame.names.length);
      });
    }
    await session.pressKeys("G");
    await frameWhere(session, size, (frame, first) => {
      expect(first + frame.names.length).toBe(WORKERS);
    });
    await session.pressKeys("g");
    await frameWhere(session, size, (_, first) => expect(first).toBe(0));
  };

  for (const size of SIZES) {
    it(`draws every frame right at ${size.columns}x${size.rows} while scrolling through 1,000 workers`, async () => {
      await scrollThrough(await open(size), size);
    });
  }

  it("draws the right screen after a burst of updates and after every resize, larger and smaller", async () => {
    const start = SIZES[0] ?? expect.unreachable();
    const session = await open(start);
    await frameWhere(session, start, (_, first) => expect(first).toBe(0));
    await session.pressKeys("G");
    await frameWhere(session, start, (frame, first) => expect(first + frame.names.length).toBe(WORKERS));

    // A burst: 150 workers kept alive one after another as fast as the API answers, each a workerChanged and a
    // fleet event on the monitor's streams.
    const request = createGraphqlHttp({ url: api.url, token: fleet.tokens.ADMIN });
    const { workers } = await request<{ workers: { edges: { node: { id: string } }[] } }>(
      "query { workers(first: 150) { edges { node { id } } } }",
    );
    const until = new Date(Date.now() + 2 * 3_600_000).toISOString();
    for (const { node } of workers.edges) {
      await request("mutation($id: ID!, $until: DateTime!) { keepAlive(id: $id, until: $until) { id } }", {
        id: node.id,
        until,
      });
    }
    await session.pressKeys("g");
    await frameWhere(session, start, (_, first) => expect(first).toBe(0));
    await session.waitForRow(/kept 1h5\dm/);

    for (const size of [...SIZES.slice(1), SIZES[1], start].filter((s) => s !== undefined)) {
      await session.resize(size.columns, size.rows);
      await frameWhere(session, size, (_, first) => expect(first).toBe(0));
    }
    // At the end of the list, then larger: the window still ends at the last worker, with no stale row.
    await session.pressKeys("G");
    const largest = SIZES[2] ?? expect.unreachable();
    await session.resize(largest.columns, largest.rows);
    await frameWhere(session, largest, (frame, first) => expect(first + frame.names.length).toBe(WORKERS));
    expect(await session.exited()).toBe(false);
  });
});
