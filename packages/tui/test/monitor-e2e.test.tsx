import { stripVTControlCharacters } from "node:util";
import { type RunningApiServer, startApiServer } from "@cml-fleet/api/http/server";
import { render } from "ink-testing-library";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestApi, TestFleet } from "../../api/test/graphql/support/test-fleet";
import type { FleetClient } from "../src/data/fleet-client.port";
import { createGraphqlFleetClient } from "../src/data/graphql-fleet-client";
import { createGraphqlHttp } from "../src/data/graphql-http";
import { Monitor } from "../src/Monitor";
import { type SimulatedFleet, startSimulatedFleet } from "./support/simulated-fleet";

const rowOf = (frame: string, name: string) =>
  stripVTControlCharacters(frame)
    .split("\n")
    .find((line) => line.startsWith(name)) ?? "";
// Provisioning runs through real queues on a shared, loaded machine: be patient, poll.
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 90_000, interval: 100 });

describe("the monitor against a real API, job workers and the simulator", () => {
  let fleet: TestFleet;
  let api: TestApi;
  let stack: SimulatedFleet | undefined;
  let client: FleetClient;
  /** The monitor's own API server on the shared app, so the test can take it away and bring it back. */
  let monitorServer: RunningApiServer | null = null;

  beforeAll(async () => {
    stack = await startSimulatedFleet("tui-e2e", {
      sim: { bootDelayMs: 300, stopDelayMs: 300, cmlReadyDelayMs: 300, licenseRegistrationDelayMs: 300 },
      env: { CML_LICENSE_TOKEN: "good-license-token", CML_HEALTH_CHECK_INTERVAL: "200ms" },
      runtime: { busyRetryDelayMs: 200 },
      readinessPollMs: { initial: 100, max: 300 },
    });
    ({ fleet, api } = stack);
    monitorServer = await startApiServer(api.app.deps, { port: 0 });
    client = createGraphqlFleetClient({ url: monitorServer.url, token: fleet.tokens.ADMIN });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await monitorServer?.close();
    await stack?.close();
  }, 60_000);

  it("shows a worker the API creates and changes, stops it from the keyboard, and rides out an API restart", {
    timeout: 240_000,
  }, async () => {
    const view = render(<Monitor client={client} flushIntervalMs={50} />);
    Object.defineProperty(view.stdout, "columns", { value: 140, configurable: true });
    Object.defineProperty(view.stdout, "rows", { value: 30, configurable: true });
    view.stdout.emit("resize");
    const frame = () => view.lastFrame() ?? "";
    try {
      await until(() => expect(frame()).toContain("● live"));
      await until(() => expect(frame()).toContain("No workers yet"));
      expect(frame()).toContain("(ADMIN)");

      const request = createGraphqlHttp({ url: api.url, token: fleet.tokens.ADMIN });
      const created = await request<{ createWorker: { worker: { id: string } } }>(
        `mutation Create($input: CreateWorkerInput!) { createWorker(input: $input) { worker { id } } }`,
        { input: { name: "e2e-lab", region: "us-east-1" } },
      );
      await until(() => expect(rowOf(frame(), "e2e-lab")).toMatch(/us-east-1\s+PENDING/));
      // The worker has no owner: OWNER shows "-" between STATUS and CML.
      await until(() =>
        expect(rowOf(frame(), "e2e-lab")).toMatch(/RUNNING\s+-\s+AVAILABLE\s+\S+\s+REGISTERED/),
      );

      await request(
        `mutation Keep($id: ID!, $until: DateTime!) { keepAlive(id: $id, until: $until) { id } }`,
        {
          id: created.createWorker.worker.id,
          until: new Date(Date.now() + 2 * 3_600_000).toISOString(),
        },
      );
      await until(() => expect(rowOf(frame(), "e2e-lab")).toMatch(/kept (1h5\dm|2h00m)/));

      view.stdin.write("x");
      await until(() => expect(frame()).toContain("Stop e2e-lab? y yes"));
      view.stdin.write("y");
      await until(() => expect(rowOf(frame(), "e2e-lab")).toContain("STOPPED"));
      expect(frame()).toMatch(/stopped 1/);

      // The API goes away: the monitor says so, keeps the last rows, and catches up when it is back.
      const port = monitorServer?.port ?? 0;
      await monitorServer?.close();
      monitorServer = null;
      await until(() => expect(frame()).toContain("reconnecting"));
      expect(rowOf(frame(), "e2e-lab")).toContain("STOPPED");
      await request(`mutation Start($id: ID!) { startWorker(id: $id) { worker { id } } }`, {
        id: created.createWorker.worker.id,
      });
      monitorServer = await startApiServer(api.app.deps, { port });
      await until(() => expect(frame()).toContain("● live"));
      await until(() => expect(rowOf(frame(), "e2e-lab")).toMatch(/RUNNING\s+-\s+AVAILABLE/));
    } finally {
      view.unmount();
    }
  });
});
