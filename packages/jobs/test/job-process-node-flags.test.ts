import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JOB_PROCESS_NODE_FLAGS } from "../src/job-process-node-flags";

/**
 * A job process starts with JOB_PROCESS_NODE_FLAGS wherever it starts: the
 * image, the package's start script and the benchmark's children (which import
 * the list). A flag added in one place only would make the benchmark measure a
 * process production does not run.
 */
const root = new URL("../../../", import.meta.url);

function dockerfileJobsCommand(): readonly string[] {
  const dockerfile = readFileSync(new URL("Dockerfile", root), "utf8");
  const stage = dockerfile.split(/^FROM /m).find((block) => /^runtime AS jobs\b/.test(block));
  const command = stage === undefined ? undefined : /^CMD (\[.*\])$/m.exec(stage)?.[1];
  if (command === undefined) {
    throw new Error("the Dockerfile has no CMD in its jobs stage");
  }
  return JSON.parse(command) as string[];
}

function startScript(): readonly string[] {
  const manifest = JSON.parse(readFileSync(new URL("packages/jobs/package.json", root), "utf8")) as {
    scripts: Record<string, string>;
  };
  return (manifest.scripts.start ?? "").split(" ");
}

/** The size of V8's young generation in MB after a burst of short-lived objects, in a node run with `flags`. */
function youngGenerationMb(flags: readonly string[]): number {
  const script = [
    "let keep = [];",
    "for (let i = 0; i < 3e6; i += 1) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep = []; }",
    "const space = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');",
    "process.stdout.write(String(space.space_size / 1048576));",
  ].join("\n");
  return Number(execFileSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" }));
}

describe("the job process's Node flags", () => {
  it("are the Dockerfile's jobs command and the start script's, before the tsx import", () => {
    const expected = ["node", ...JOB_PROCESS_NODE_FLAGS, "--import", "tsx", "src/main.ts"];
    expect(dockerfileJobsCommand()).toEqual(expected);
    expect(startScript()).toEqual(expected);
  });

  it("keep the young generation at two 16 MB semi-spaces however much garbage the process makes", () => {
    expect(youngGenerationMb(JOB_PROCESS_NODE_FLAGS)).toBeLessThanOrEqual(32);
  });
});
