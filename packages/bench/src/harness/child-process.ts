import { type ChildProcess, fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A message between the runner and a child: always an object with a `type`. */
export interface ChildMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === "object" && value !== null && "type" in value && typeof value.type === "string";
}

export interface BenchChild {
  readonly pid: number;
  readonly name: string;
  send(message: ChildMessage): void;
  /** The next message of `type` (one the child already sent counts); an `error` message rejects. */
  next(type: string, timeoutMs: number): Promise<ChildMessage>;
  /** Peak resident set size of the child so far (VmHWM), in bytes; NaN when /proc is not there. */
  peakRssBytes(): Promise<number>;
  /** Asks the child to stop, waits up to `graceMs`, then kills it. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const CHILDREN_DIR = new URL("../children/", import.meta.url);

/** Where the children write CPU profiles (`pnpm bench --cpu-prof <dir>`), one folder each; null: none. */
let profileDir: string | null = null;
/** Children started with a profile so far. */
let childrenStarted = 0;

/** From now on every child runs with `node --cpu-prof`, writing its profile under `dir` when it exits. */
export function profileChildrenInto(dir: string): void {
  profileDir = dir;
}

function profileFlags(script: string): string[] {
  if (profileDir === null) {
    return [];
  }
  childrenStarted += 1;
  // Numbered in start order, so the two job processes of one run (or a scenario's API children) stay apart.
  const folder = `${String(childrenStarted).padStart(2, "0")}-${basename(script, ".ts")}`;
  return ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, folder)}`];
}

/**
 * Runs bench/children/<script> in its own Node process (TypeScript through
 * tsx), so its CPU and memory are its own and can be measured apart from the
 * runner's load generators.
 */
export async function spawnChild(
  script: string,
  env: Record<string, string> = {},
  readyTimeoutMs = 60_000,
  /** Node flags before `--import tsx`: a child standing for a product process starts with that process's flags. */
  nodeFlags: readonly string[] = [],
): Promise<{ child: BenchChild; ready: ChildMessage }> {
  const path = fileURLToPath(new URL(script, CHILDREN_DIR));
  const { CI: _ci, ...inherited } = process.env;
  const processHandle: ChildProcess = fork(path, [], {
    execArgv: [...nodeFlags, ...profileFlags(script), "--import", "tsx"],
    env: { ...inherited, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pid = processHandle.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${script}`);
  }
  const inbox: ChildMessage[] = [];
  const waiters = new Set<() => void>();
  let exited: string | null = null;
  const wake = () => {
    for (const waiter of [...waiters]) {
      waiter();
    }
  };
  processHandle.on("message", (message: unknown) => {
    if (isChildMessage(message)) {
      inbox.push(message);
      wake();
    }
  });
  const exit = new Promise<void>((resolve) => {
    processHandle.once("exit", (code, signal) => {
      exited = `${script} exited (code ${code}, signal ${signal})`;
      wake();
      resolve();
    });
  });

  const child: BenchChild = {
    pid,
    name: script,
    send(message) {
      if (processHandle.connected) {
        processHandle.send(message);
      }
    },
    next(type, timeoutMs) {
      return new Promise<ChildMessage>((resolve, reject) => {
        const check = () => {
          const index = inbox.findIndex((message) => message.type === type || message.type === "error");
          if (index >= 0) {
            const [message] = inbox.splice(index, 1);
            done();
            if (message === undefined || message.type === "error") {
              reject(new Error(`${script}: ${String(message?.message ?? "failed")}`));
            } else {
              resolve(message);
            }
            return;
          }
          if (exited !== null) {
            done();
            reject(new Error(`${exited} before sending '${type}'`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script}: no '${type}' within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async peakRssBytes() {
      try {
        const status = await readFile(`/proc/${pid}/status`, "utf8");
        const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
        return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
      } catch {
        return Number.NaN;
      }
    },
    async stop(graceMs = 15_000) {
      if (exited !== null) {
        return;
      }
      child.send({ type: "stop" });
      const timer = setTimeout(() => processHandle.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
  try {
    const ready = await child.next("ready", readyTimeoutMs);
    return { child, ready };
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
}
