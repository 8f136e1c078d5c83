/**
 * Gives the operating system back the memory a job process used only to start.
 *
 * Loading the process's modules (ESM linking of the AWS SDK, drizzle and the
 * rest) keeps about 150 MB of objects alive until the last module is linked;
 * once collected, V8 keeps their pages pooled for reuse rather than returned,
 * and an ordinary GC never returns them: an idle process stayed at 240 MB of
 * RSS for minutes while its heap held 55 MB. One memory-reducing full GC
 * (V8's "last-resort" flavour) returns them: 240 MB becomes 160 MB. It runs
 * once, right after start-up (a few hundred ms of one core), and needs `--expose-gc` (in
 * JOB_PROCESS_NODE_FLAGS); without it this does nothing and says so.
 */
export function releaseStartUpMemory(): boolean {
  const collect = globalThis.gc;
  if (collect === undefined) {
    return false;
  }
  collect({ type: "major", execution: "sync", flavor: "last-resort" });
  return true;
}
