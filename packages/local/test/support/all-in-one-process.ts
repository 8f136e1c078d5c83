import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const LOCAL_PACKAGE = fileURLToPath(new URL("../..", import.meta.url));

/** Variables of the test runner's own environment that would turn the zero-configuration start into something else. */
const CONFIGURING = [
  "DATABASE_URL",
  "BOOTSTRAP_ADMIN_TOKEN",
  "SIM_URL",
  "CLOUD_PROVIDER",
  "CML_FLEET_CONFIG",
  "SIM_STATE_PATH",
  "NODE_ENV",
];

export interface AllInOneProcess {
  /** stdout and stderr as written so far, for assertions and failure messages. */
  output(): string;
  /** Resolves with the output once `pattern` appears; rejects when the process exits first or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (null when ended by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends a signal and waits for the exit, killing it after `timeoutMs` (then rejecting). */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<number | null>;
  /** SIGKILL if still running (for afterAll). */
  kill(): Promise<void>;
}

/**
 * `pnpm start`'s entry (src/main.ts) as a child. Node loads tsx as a hook
 * in the same process (the `tsx` CLI would run main in a grandchild that a
 * signal to the CLI might leave behind), and the environment is the test's:
 * nothing configuring the fleet leaks in from the runner.
 */
export function spawnAllInOne(env: Record<string, string>, args: readonly string[] = []): AllInOneProcess {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIGURING) {
    delete base[name];
  }
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: LOCAL_PACKAGE,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of waiters) {
      wake();
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
    for (const wake of waiters) {
      wake();
    }
  });

  const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(output)) {
          done();
          resolve(output);
        } else if (!running) {
          done();
          reject(new Error(`the process exited before printing ${pattern}:\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const kill = async () => {
    if (running) {
      child.kill("SIGKILL");
      await exited;
    }
  };

  return {
    output: () => output,
    waitForOutput,
    exited,
    async stop(signal, timeoutMs) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), timeoutMs);
      });
      const result = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (result === "late") {
        await kill();
        throw new Error(`no exit within ${timeoutMs} ms of ${signal}:\n${output}`);
      }
      return result;
    },
    kill,
  };
}
