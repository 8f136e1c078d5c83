import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { commandLineOrExit } from "@cml-fleet/cli-args/command-line";
import { openDatabase } from "@cml-fleet/platform/db/database";
import { Redis } from "ioredis";
import { benchCommand } from "./bench-command";
import { profileChildrenInto } from "./harness/child-process";
import { summarizeProfileDirectory } from "./harness/cpu-profile-summary";
import { machineInfo } from "./harness/machine";
import { resultsMarkdown, textTable } from "./harness/markdown";
import { deleteRedisKeys, dropOpenDatabases } from "./harness/resources";
import type { BenchContext, ResultRow, Scenario } from "./harness/types";
import { graphqlScenario } from "./scenarios/graphql";
import { monitoringCostScenario } from "./scenarios/monitoring-cost";
import { provisioningScenario } from "./scenarios/provisioning";
import { subscriptionsScenario } from "./scenarios/subscriptions";
import { telemetrySweepScenario } from "./scenarios/telemetry-sweep";
import { terminalMonitorScenario } from "./scenarios/terminal-monitor";

const SCENARIOS: readonly Scenario[] = [
  telemetrySweepScenario,
  graphqlScenario,
  subscriptionsScenario,
  provisioningScenario,
  terminalMonitorScenario,
  monitoringCostScenario,
];

const RESULTS_FILE = new URL("../../../bench/RESULTS.md", import.meta.url);

/**
 * The "## Fuzz" section of the results file comes from `pnpm test:fuzz`, "## Cost replay" from `pnpm replay`
 * (see packages/replay), and "## What limits the missed targets" from profiles (`pnpm bench --cpu-prof`) read by
 * a person, not from a scenario here: a bench run rewrites the file and keeps those sections as they were
 * (each says when and on what it was measured).
 */
const KEPT_SECTIONS = ["## What limits the missed targets", "## Cost replay", "## Fuzz"] as const;

async function keptSection(heading: (typeof KEPT_SECTIONS)[number]): Promise<string> {
  const previous = await readFile(RESULTS_FILE, "utf8").catch(() => "");
  const start = previous.indexOf(`\n${heading}`);
  if (start === -1) {
    return "";
  }
  const next = previous.indexOf("\n## ", start + 1);
  return `${previous.slice(start, next === -1 ? undefined : next).trimEnd()}\n`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]?.slice(0, 200) ?? "failed";
}

async function checkServices(databaseUrl: string, redisUrl: string): Promise<void> {
  const database = await openDatabase({ url: databaseUrl, poolSize: 1, connectTimeoutMs: 5_000 });
  try {
    await database.ping();
  } finally {
    await database.close();
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const { values } = commandLineOrExit(benchCommand(SCENARIOS.map((scenario) => scenario.name)));
  const only = (values.only ?? []).flatMap((names) => names.split(","));
  const unknown = only.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown scenario(s) ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`,
    );
    process.exit(2);
  }
  const selected =
    only.length === 0 ? SCENARIOS : SCENARIOS.filter((scenario) => only.includes(scenario.name));
  const command = [
    "pnpm bench",
    ...(values.quick ? ["--quick"] : []),
    ...only.flatMap((name) => ["--only", name]),
    ...(values["cpu-prof"] === undefined ? [] : ["--cpu-prof", values["cpu-prof"]]),
  ].join(" ");
  // pnpm runs this in packages/bench: a relative directory is the caller's (INIT_CWD), as with any command.
  const profileDir =
    values["cpu-prof"] === undefined
      ? null
      : resolve(process.env.INIT_CWD ?? process.cwd(), values["cpu-prof"]);
  if (profileDir !== null) {
    await mkdir(profileDir, { recursive: true });
    profileChildrenInto(profileDir);
  }
  const ctx: BenchContext = {
    quick: values.quick ?? false,
    machine: machineInfo(),
    databaseUrl: process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
    runId: `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`,
    log: (line) => console.log(`[bench] ${line}`),
  };
  // Ctrl-C: the children stop when their IPC channel closes; the schemas and keys are removed here.
  process.once("SIGINT", () => {
    ctx.log("interrupted: dropping this run's schemas and Redis keys");
    void Promise.allSettled([
      dropOpenDatabases(),
      deleteRedisKeys(ctx.redisUrl, `bench-${ctx.runId}`),
    ]).finally(() => process.exit(130));
  });
  const startedAt = new Date();
  ctx.log(
    `${command} (run ${ctx.runId}) on ${ctx.machine.cpuCount} x ${ctx.machine.cpuModel}, load ${ctx.machine.loadAverage}`,
  );

  let servicesError: string | null = null;
  try {
    await checkServices(ctx.databaseUrl, ctx.redisUrl);
  } catch (error) {
    servicesError = `Postgres or Redis not reachable: ${firstLine(error)}`;
  }
  const rows: ResultRow[] = [];
  for (const scenario of selected) {
    ctx.log(`${scenario.title} ...`);
    const began = performance.now();
    try {
      if (servicesError !== null) {
        throw new Error(servicesError);
      }
      rows.push(...(await scenario.run(ctx)));
      ctx.log(`${scenario.title}: done in ${Math.round((performance.now() - began) / 1000)} s`);
    } catch (error) {
      ctx.log(`${scenario.title}: not measured: ${firstLine(error)}`);
      rows.push({
        scenario: scenario.title,
        metric: "-",
        value: `not measured: ${firstLine(error)}`,
        reference: "-",
        verdict: "not measured",
      });
    }
  }

  console.log(`\n${textTable(rows)}\n`);
  if (profileDir !== null) {
    const summaryFile = join(profileDir, "SUMMARY.md");
    await writeFile(summaryFile, await summarizeProfileDirectory(profileDir));
    ctx.log(`CPU profiles in ${profileDir}, summarized in ${summaryFile}`);
  }
  const document = resultsMarkdown({
    command,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    machine: ctx.machine,
    rows,
    method: selected.flatMap((scenario) => scenario.method.map((line) => `**${scenario.title}**: ${line}`)),
  });
  if (profileDir !== null) {
    // Profiled children run slower: their figures go beside the profiles, never into bench/RESULTS.md.
    await writeFile(join(profileDir, "RESULTS.md"), document);
    ctx.log(`wrote ${join(profileDir, "RESULTS.md")} (bench/RESULTS.md is left as it was)`);
    return;
  }
  await mkdir(new URL(".", RESULTS_FILE), { recursive: true });
  const kept = (await Promise.all(KEPT_SECTIONS.map(keptSection))).filter((section) => section !== "");
  await writeFile(RESULTS_FILE, `${[document.trimEnd(), ...kept].join("\n").trimEnd()}\n`);
  ctx.log(`wrote ${fileURLToPath(RESULTS_FILE)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
