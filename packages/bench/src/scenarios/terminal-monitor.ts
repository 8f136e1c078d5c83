import { fileURLToPath } from "node:url";
import { spawnChild } from "../harness/child-process";
import { count } from "../harness/stats";
import { type ResultRow, type Scenario, verdict } from "../harness/types";

const WORKERS = 1_000;
const CPU_TARGET = 0.15;
const TERMINAL = { columns: 160, rows: 40 };
/** The monitor's JSX compiles for the automatic runtime only under its own tsconfig (as its bin does). */
const TUI_TSCONFIG = fileURLToPath(new URL("../../../tui/tsconfig.json", import.meta.url));

/** As the bin runs it (it sets NODE_ENV=production unless set), and React's development build for reference. */
const MODES = [
  { label: "as shipped (the bin sets NODE_ENV=production)", env: { NODE_ENV: "production" } },
  { label: "NODE_ENV=development", env: { NODE_ENV: "development" } },
] as const;

export const terminalMonitorScenario: Scenario = {
  name: "tui",
  title: "Terminal monitor",
  method: [
    `the monitor (packages/tui's Monitor, rendered with the options its main uses, MONITOR_RENDER_OPTIONS: 15 fps, whole frames rather than incremental) runs in a child process against an in-memory FleetClient holding ${count(WORKERS)} workers, each of which is updated once a second (a timer every 10 ms sends what the elapsed time calls for, so a busy machine does not lower the offered rate)`,
    `output goes to a fake ${TERMINAL.columns}x${TERMINAL.rows} TTY; CPU share = process.cpuUsage() of the child over the measured window divided by its wall time (the feeding of updates is included; the same child feeding a bare subscriber without the monitor is measured first as the reference); frame height is the line count of every frame Ink rendered`,
  ],
  async run(ctx) {
    const warmupMs = ctx.quick ? 2_000 : 3_000;
    const measureMs = ctx.quick ? 5_000 : 30_000;
    const rows: ResultRow[] = [];
    const measureChild = async (env: Record<string, string>, render: boolean) => {
      const { child } = await spawnChild(
        "tui-child.ts",
        {
          TSX_TSCONFIG_PATH: TUI_TSCONFIG,
          BENCH_TUI: JSON.stringify({ workers: WORKERS, ...TERMINAL, warmupMs, measureMs, render }),
          ...env,
        },
        warmupMs + measureMs + 60_000,
      );
      try {
        return await child.next("result", 10_000);
      } finally {
        await child.stop();
      }
    };
    ctx.log("  the update feed alone (reference)");
    const feedOnly = Number((await measureChild({}, false)).cpuShare);
    for (const mode of ctx.quick ? MODES.slice(0, 1) : MODES) {
      ctx.log(`  ${mode.label}`);
      const result = await measureChild(mode.env, true);
      const share = Number(result.cpuShare);
      const tallest = Number(result.tallest);
      const seconds = Number(result.wallMs) / 1000;
      const rate = Number(result.updates) / seconds;
      const scenario = `Terminal monitor: ${count(WORKERS)} workers, 1 update/s each, ${mode.label}`;
      rows.push(
        {
          scenario,
          metric: "CPU share of one core",
          value: `${(share * 100).toFixed(1)} %`,
          reference: `target < ${CPU_TARGET * 100} %; the feed alone, no monitor: ${(feedOnly * 100).toFixed(1)} %`,
          verdict: verdict(share < CPU_TARGET),
          note: `${rate.toFixed(0)} updates/s fed (asked ${WORKERS}/s), ${(Number(result.frames) / seconds).toFixed(1)} frames/s over ${seconds.toFixed(1)} s`,
        },
        {
          scenario,
          metric: "tallest frame",
          value: `${tallest} lines`,
          reference: `terminal ${TERMINAL.rows} rows; never above`,
          verdict: verdict(tallest > 0 && tallest <= TERMINAL.rows),
          note: `${Number(result.clears)} full-screen clears`,
        },
      );
    }
    return rows;
  },
};
