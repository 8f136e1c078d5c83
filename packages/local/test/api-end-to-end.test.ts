import { type ApiApp, createApiApp } from "@cml-fleet/api/app";
import { type RunningApiServer, startApiServer } from "@cml-fleet/api/http/server";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type GraphqlCall,
  graphqlCaller,
  type Subscription,
  subscribeWs,
  workerById,
} from "../../api/test/graphql/support/graphql-client";
import { WHOLE_LIFE, withoutRepeats } from "../../jobs/test/support/fleet-driver";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { subscriberCount } from "../../platform/test/support/test-redis";

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
  const fleet = useHarness("api-e2e", { env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN } });
  let app: ApiApp;
  let server: RunningApiServer;
  let call: GraphqlCall;
  let subscription: Subscription<{ workerChanged: WorkerView }> | null = null;

  beforeAll(async () => {
    app = await createApiApp({
      settings: fleet.settings,
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
    });
    server = await startApiServer(app.deps, { port: 0 });
    call = graphqlCaller(server.url, ADMIN);
  });
  afterAll(async () => {
    await subscription?.dispose();
    await server?.close();
    await app?.close();
  });

  /** Waits until the worker, read through the API, matches `expected`, and answers it. */
  const waitForWorker = (id: string, expected: Record<string, unknown>) =>
    vi.waitFor(async () => {
      const worker = await workerById<WorkerView>(call, id, WORKER_FIELDS);
      expect(worker).toMatchObject(expected);
      return worker ?? expect.unreachable();
    }, PATIENCE);

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
    // Live once the API's Redis connection subscribed to the channel (or the subscription failed).
    const channel = `${fleet.keyPrefix}:${TOPICS.workerChanged}`;
    await vi.waitFor(async () => {
      expect((await subscriberCount(fleet.redis, channel)) > 0 || live.errors.length > 0).toBe(true);
    }, PATIENCE);
    expect(live.errors).toEqual([]);

    const created = await call<{ createWorker: { worker: { id: string }; job: { id: string } | null } }>(
      `mutation { createWorker(input: { name: "e2e-lab", region: "us-east-1" }) { worker { id } job { id } } }`,
    );
    const id = created.createWorker.worker.id;
    const available = await waitForWorker(id, {
      serviceStatus: "AVAILABLE",
      license: { status: "REGISTERED" },
    });
    expect(available.status).toBe("RUNNING");

    await call(`mutation ($id: ID!) { stopWorker(id: $id, reason: "end of class") { worker { id } } }`, {
      id,
    });
    await waitForWorker(id, { status: "STOPPED" });

    await call(`mutation ($id: ID!) { startWorker(id: $id) { worker { id } } }`, { id });
    await waitForWorker(id, { status: "RUNNING", serviceStatus: "AVAILABLE" });

    await call(`mutation ($id: ID!) { terminateWorker(id: $id) { worker { id } } }`, { id });
    const terminated = await waitForWorker(id, { status: "TERMINATED" });
    expect(terminated.license.status).toBe("UNREGISTERED");

    // The subscriber sees TERMINATED too.
    await expect
      .poll(
        () =>
          live.events.some(
            (event) => event.workerChanged.id === id && event.workerChanged.status === "TERMINATED",
          ),
        PATIENCE,
      )
      .toBe(true);
    expect(live.errors).toEqual([]);
    const mine = live.events.map((event) => event.workerChanged).filter((worker) => worker.id === id);
    expect(withoutRepeats(mine.map((w) => w.status))).toEqual(WHOLE_LIFE);
    const stamps = mine.map((w) => Date.parse(w.updatedAt));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });
});
