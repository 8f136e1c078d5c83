import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { forgottenWorkers, scheduledClasses, type TraceDocument } from "../example-traces";

/** Writes the example traces to bench/traces at the repository root (see its README). */
const directory = fileURLToPath(new URL("../../../../bench/traces/", import.meta.url));
const traces: Record<string, TraceDocument> = {
  "forgotten-workers.json": forgottenWorkers(),
  "week-of-classes.json": scheduledClasses(),
  "holiday-week.json": scheduledClasses({
    workers: 10,
    startDate: "2026-11-09",
    closedDates: ["2026-11-11"],
    seed: 20261111,
  }),
};
mkdirSync(directory, { recursive: true });
for (const [name, trace] of Object.entries(traces)) {
  writeFileSync(`${directory}${name}`, `${JSON.stringify(trace, null, 1)}\n`);
  process.stdout.write(`wrote ${directory}${name}\n`);
}
