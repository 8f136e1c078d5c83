import { type ApiApp, createApiApp } from "@cml-fleet/api/app";
import { type RunningApiServer, startApiServer } from "@cml-fleet/api/http/server";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gql, type Subscription, subscribeWs } from "../../api/test/graphql/support/graphql-client";
import { type FleetHarness, startHarness } from "../../jobs/test/support/fleet-harness";

const ADMIN = "cmlf_e2e-admin-token-0123456789abcdef0123456789";

interface WorkerView {
  readonly id: string;
  readonly status: string;
  readonly serviceStatus: string;
  readonly updatedAt: string;
  readonly license: { readonly status: string };
}

const WORKER_FIELDS = "id status serviceStatus updatedAt license { status }";

describe("the API and the job workers together (Postgres, Redis, simulator)", () => {
  let fleet: FleetHarness;
  let app: ApiApp;
  let server: RunningApiServer;
  let subscription: Subscription<{ workerChanged: WorkerView }> | null = null;

  beforeAll(async () => {
    fleet = await startHarness("api-e2e", { env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN } });
    app = await createApiApp({
      settings: fleet.settings,
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
    });
    server = await startApiServer(app.deps, { port: 0 });
  }, 120_000);
  afterAll(async () => {
    await subscription?.dispose();
    await server?.close();
    await app?.close();
    await fleet?.close();
  });

  const call = async <T>(query: string, variables: Record<string, unknown> = {}) =>
    dataOf(await gql<T>(server.url, query, { token: ADMIN, variables }));
  const workerNow = async (id: string) =>
    (
      await call<{ worker: WorkerView | null }>(`query ($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`, {
        id,
      })
    ).worker;
  const waitFor = (what: string, id: string, check: (worker: WorkerView) => boolean) =>
    fleet.until(what, async () => {
      const worker = await workerNow(id);
      return worker !== null && check(worker) ? worker : null;
    });

  it("create -> AVAILABLE and licensed; stop; start; terminate -> license released; subscribers see it all in order", {
    timeout: 180_000,
  }, async () => {
    subscription = subscribeWs(
      server.url.replace(/^http/, "ws"),
      `subscription { workerChanged { ${WORKER_FIELDS} } }`,
      {
        token: ADMIN,
      },
    );
    const live = subscription;
    // Live once the API's Redis connection subscribed to the channel.
    const channel = `${fleet.keyPrefix}:${TOPICS.workerChanged}`;
    await fleet.until("the subscription to be live", async () => {
      const [, subscribers] = (await fleet.redis.pubsub("NUMSUB", channel)) as [string, number];
      return subscribers > 0 || live.errors.length > 0;
    });
    expect(live.errors).toEqual([]);

    const created = await call<{ createWorker: { worker: { id: string }; job: { id: string } | null } }>(
      `mutation { createWorker(input: { name: "e2e-lab", region: "us-east-1" }) { worker { id } job { id } } }`,
    );
    const id = created.createWorker.worker.id;
    const available = await waitFor(
      "AVAILABLE",
      id,
      (w) => w.serviceStatus === "AVAILABLE" && w.license.status === "REGISTERED",
    );
    expect(available.status).toBe("RUNNING");

    await call(`mutation ($id: ID!) { stopWorker(id: $id, reason: "end of class") { worker { id } } }`, {
      id,
    });
    await waitFor("STOPPED", id, (w) => w.status === "STOPPED");

    await call(`mutation ($id: ID!) { startWorker(id: $id) { worker { id } } }`, { id });
    await waitFor("AVAILABLE again", id, (w) => w.status === "RUNNING" && w.serviceStatus === "AVAILABLE");

    await call(`mutation ($id: ID!) { terminateWorker(id: $id) { worker { id } } }`, { id });
    const terminated = await waitFor("TERMINATED", id, (w) => w.status === "TERMINATED");
    expect(terminated.license.status).toBe("UNREGISTERED");

    await fleet.until("the subscriber to see TERMINATED", async () =>
      live.events.some(
        (event) => event.workerChanged.id === id && event.workerChanged.status === "TERMINATED",
      ),
    );
    expect(live.errors).toEqual([]);
    const mine = live.events.map((event) => event.workerChanged).filter((worker) => worker.id === id);
    const statuses = mine.map((w) => w.status).filter((status, index, all) => status !== all[index - 1]);
    expect(statuses).toEqual([
      "PENDING",
      "RUNNING",
      "STOPPING",
      "STOPPED",
      "PENDING",
      "RUNNING",
      "SHUTTING_DOWN",
      "TERMINATED",
    ]);
    const stamps = mine.map((w) => Date.parse(w.updatedAt));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });
});
