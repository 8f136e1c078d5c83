import { commandLineOrExit } from "@cml-fleet/cli-args/command-line";
import { simulatorOptionsFromEnv } from "./options-from-env";
import { SIM_COMMAND } from "./sim-command";
import { startSimulator } from "./simulator";

/** Standalone simulator (`pnpm --filter @cml-fleet/sim start`; --help lists its settings). */

commandLineOrExit(SIM_COMMAND);
const sim = await startSimulator(simulatorOptionsFromEnv(process.env));
console.log(`[sim] EC2/CloudWatch endpoint and control API on ${sim.url} (CML HTTPS port ${sim.cmlPort})`);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) {
    return;
  }
  closing = true;
  console.log(`[sim] ${signal}: shutting down`);
  sim.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("[sim] shutdown failed", error);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
