import { type ChildProcess, spawn } from "node:child_process";

/** How much of a child's output is kept for failure messages (the newest part). */
const OUTPUT_KEPT = 64 * 1024;

export interface RunningChild {
  readonly label: string;
  readonly pid: number;
  /** The newest part of stdout and stderr, for failure messages. */
  output(): string;
  /** Whether the process has not exited yet (a SIGSTOPped one is still running). */
  running(): boolean;
  /** Resolves with the exit code, null when a signal ended it. */
  readonly exited: Promise<number | null>;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT, ...) and returns at once. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL and wait for the exit: no shutdown hook runs, as when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit, SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
}

/**
 * Variables of the runner's environment that would configure the fleet or the simulator behind the suite's back:
 * a child sees only what the suite gives it of these.
 */
const CONFIGURING =
  /^(DATABASE_URL|REDIS_URL|REDIS_KEY_PREFIX|BOOTSTRAP_ADMIN_TOKEN|CLOUD_PROVIDER|CML_|SIM_|AWS_|NODE_ENV$|PORT$|JOBS_METRICS_PORT$|METRICS_)/;

/** A process of the system under test, its environment the suite's alone (nothing configuring leaks in). */
export function spawnChild(options: SpawnOptions): RunningChild {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !CONFIGURING.test(name)) {
      base[name] = value;
    }
  }
  const child: ChildProcess = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...base, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`${options.label}: could not start ${options.command}`);
  }
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let alive = true;
  // Should the runner end without the suite's own clean-up (a timeout, an interrupted run), the child goes with it.
  const killOnExit = () => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      alive = false;
      process.off("exit", killOnExit);
      resolve(code);
    }),
  );

  const kill = async () => {
    if (alive) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  return {
    label: options.label,
    pid,
    output: () => output,
    running: () => alive,
    exited,
    signal(signal) {
      if (alive) {
        child.kill(signal);
      }
    },
    kill,
    async stop(timeoutMs = 20_000) {
      if (!alive) {
        return;
      }
      // A stopped process does not handle SIGTERM until it runs again.
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), timeoutMs);
      });
      const result = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (result === "late") {
        await kill();
      }
    },
  };
}

/** The last `lines` lines of a child's output, for a failure message. */
export function tailOf(child: RunningChild, lines = 30): string {
  return `--- ${child.label} (pid ${child.pid}) ---\n${child.output().split("\n").slice(-lines).join("\n")}`;
}
