/**
 * The Node flags a job process starts with, wherever it starts: the Dockerfile's
 * `jobs` CMD, `pnpm --filter @cml-fleet/jobs start` and the benchmark's job
 * children (test/job-process-node-flags.test.ts holds the three to this list).
 *
 * `--max-semi-space-size=16` (MB): V8 sizes the young generation from the
 * machine's memory, and on a host with 24 GB it grew to 128 MB (two 64 MB
 * semi-spaces) while the modules load, then kept it: about 120 MB of the idle
 * process's 350 MB RSS held nothing but garbage already collected. Capped at
 * 16 MB the idle process holds 230 MB; scavenges run more often but each
 * copies only the survivors, and the sweep's CPU did not measurably change
 * (packages/jobs/README.md, "Memory").
 *
 * `--heap-growing-percent=30`: after each full GC, V8 lets the old generation
 * grow to a multiple of what survived before the next one, up to 4x when GCs
 * are quick. A sweep's requests, connections and shard state live long enough
 * to be promoted and then die in bulk: at 10,000 workers the old generation
 * swung between 110 and 540 MB of heap (peak RSS 798 MB) for a live set of
 * about 150 MB. 1.3x caps that garbage without a hard limit that a larger
 * fleet could hit: peak RSS 485 MB, and the sweep's wall time did not
 * measurably change (packages/jobs/README.md, "Memory").
 *
 * `--expose-gc`: once started, the process asks V8 for one memory-reducing GC
 * (start-up-memory.ts), which only an exposed `gc` can ask for.
 */
export const JOB_PROCESS_NODE_FLAGS: readonly string[] = [
  "--max-semi-space-size=16",
  "--heap-growing-percent=30",
  "--expose-gc",
];
