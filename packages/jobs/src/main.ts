import { commandLineOrExit } from "@cml-fleet/cli-args/command-line";
import { JOBS_COMMAND } from "./jobs-command";

/**
 * The job process on its own (`pnpm --filter @cml-fleet/jobs start`). The
 * command line is read before the job workers are loaded (run-job-process.ts),
 * so --help and a flag it does not know are answered at once.
 */
commandLineOrExit(JOBS_COMMAND);
await import("./run-job-process");
