import { type SimulatorOptions, startSimulator } from "@cml-fleet/sim/simulator";
import { failStartup, send, serveRunner } from "../harness/child-side";

/** The simulator in a process of its own, so its CPU and memory stay out of the measured process. */
async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_SIM_OPTIONS ?? "{}") as SimulatorOptions;
  const sim = await startSimulator({ ...options, onError: () => undefined });
  serveRunner(
    async (message) =>
      message.type === "usage"
        ? { type: "usage", cpu: process.cpuUsage(), rss: process.memoryUsage().rss }
        : null,
    () => sim.close(),
  );
  send({ type: "ready", url: sim.url, cmlPort: sim.cmlPort });
}

main().catch(failStartup);
