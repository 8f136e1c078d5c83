import { commandLineOrExit } from "@cml-fleet/cli-args/command-line";
import { LOCAL_COMMAND } from "./local-command";

/**
 * `pnpm start`. The command line is read before the rest is loaded, so
 * --help and a flag it does not know are answered at once.
 */
const { values } = commandLineOrExit(LOCAL_COMMAND);
const { runAllInOne } = await import("./start-all-in-one");
runAllInOne(values);
