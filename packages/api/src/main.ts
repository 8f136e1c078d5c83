import { commandLineOrExit } from "@cml-fleet/cli-args/command-line";
import { API_COMMAND } from "./api-command";

/**
 * The API as a process of its own (`pnpm --filter @cml-fleet/api start`). The
 * command line is read before the app is loaded (serve-api.ts), so --help and
 * a flag it does not know are answered at once.
 */
commandLineOrExit(API_COMMAND);
await import("./serve-api");
