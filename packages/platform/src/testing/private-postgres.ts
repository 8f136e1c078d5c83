import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port";

const run = promisify(execFile);

/** Where the server binaries are (PG_BIN_DIR overrides). */
const BIN_DIR = process.env.PG_BIN_DIR ?? "/usr/local/bin";
/** Postgres refuses to run as root; a root test runner hands the cluster to this OS user. */
const OS_USER = "postgres";

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth). */
  readonly url: string;
  readonly port: number;
  /** Whether the server is up (as this helper left it). */
  running(): boolean;
  /** Fast shutdown: open connections are ended, new ones are refused until {@link start}. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and data. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server (if up) and deletes its files. */
  cleanup(): Promise<void>;
}

/**
 * A Postgres cluster of the test's own (initdb into a temporary directory,
 * pg_ctl on a free loopback port, trust auth), for tests that stop, kill or
 * restart the database: the shared server on 5432 is never touched. Run as
 * root, the files belong to and the server runs as the `postgres` OS user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), "cml-fleet-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = await Promise.all([idOf("-u"), idOf("-g")]);
    await chown(dir, uid, gid);
  }
  const data = join(dir, "data");
  const port = await freePort();
  const pg = (command: string, args: readonly string[]) => {
    const binary = join(BIN_DIR, command);
    return asRoot
      ? run("runuser", ["-u", OS_USER, "--", binary, ...args], { cwd: dir })
      : run(binary, [...args], { cwd: dir });
  };
  let up = false;
  const start = async () => {
    await pg("pg_ctl", [
      "start",
      "-D",
      data,
      "-w",
      "-t",
      "60",
      "-l",
      join(dir, "server.log"),
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
    ]);
    up = true;
  };
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    await pg("pg_ctl", ["stop", "-D", data, "-m", mode, "-w", "-t", "60"]);
    up = false;
  };
  try {
    await pg("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--no-sync",
      "--no-instructions",
    ]);
    await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    running: () => up,
    stop: () => stop(),
    start,
    async restart() {
      await stop();
      await start();
    },
    async cleanup() {
      if (up) {
        await stop("immediate").catch(() => undefined);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function idOf(flag: "-u" | "-g"): Promise<number> {
  const { stdout } = await run("id", [flag, OS_USER]);
  return Number(stdout.trim());
}
