import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const JOBS_PACKAGE = fileURLToPath(new URL("../..", import.meta.url));

export interface ChildJobProcess {
  readonly child: ChildProcess;
  /** What it wrote (its JSON log lines), for the failure message of a test. */
  output(): string;
  /** SIGKILL: no shutdown hook runs, as when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  terminate(): Promise<number | null>;
}

/**
 * The job process's real main as a child, configured only through its
 * environment. Node loads tsx as a hook in the same process: the `tsx` CLI
 * would run main in a grandchild that a SIGKILL of the CLI leaves running.
 */
export function spawnJobProcess(env: Record<string, string>): ChildJobProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: JOBS_PACKAGE,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const collect = (chunk: Buffer) => {
    stderr += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => stderr,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async terminate() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
