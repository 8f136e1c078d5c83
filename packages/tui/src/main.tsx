import { render } from "ink";
import { parseCli } from "./cli";
import { createGraphqlFleetClient } from "./data/graphql-fleet-client";
import { Monitor } from "./Monitor";
import { MONITOR_RENDER_OPTIONS } from "./render-options";
import { enterAlternateScreen } from "./terminal-screen";

/** Composition root: the only module that reads argv and the environment. */
async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2), process.env.CML_FLEET_TOKEN);
  if (cli.kind === "help") {
    process.stdout.write(`${cli.text}\n`);
    return 0;
  }
  if (cli.kind === "error") {
    process.stderr.write(`${cli.message}\n`);
    return 2;
  }
  const { url, token, readonly } = cli.options;
  const client = createGraphqlFleetClient({ url, token });
  const screen = enterAlternateScreen(process.stdout, process.stdin);
  const crash = (error: unknown) => {
    screen.restore();
    process.stderr.write(
      `cml-fleet-tui crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  process.on("exit", () => screen.restore());
  // SIGINT only arrives in watch-only mode: with a raw-mode TTY, ctrl-c is a key the monitor reads.
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
    process.on(signal, () => {
      screen.restore();
      process.exit(0);
    });
  }

  const app = render(<Monitor client={client} readonly={readonly} />, {
    ...MONITOR_RENDER_OPTIONS,
    patchConsole: true,
  });
  try {
    await app.waitUntilExit();
  } finally {
    await client.close().catch(() => undefined);
    screen.restore();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cml-fleet-tui: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
