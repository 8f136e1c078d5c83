import type { Worker } from "@cml-fleet/core/domain/worker";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { createQueueInspector } from "@cml-fleet/platform/queue/queue-inspector";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { freePort } from "@cml-fleet/platform/testing/free-port";
import { type Job, Worker as QueueWorker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { startApiServer } from "../../src/http/server";
import { dataOf, gql, PATIENCE } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";
import { anEvent, aWorker } from "../support/worker-factory";

// One attempt: a job fails at once, ready to be retried.
const { fleet, api } = useTestFleet("admin-queues", { env: { CML_JOB_ATTEMPTS: "1" } });

/** What a lab title or stop reason may hold: text that is markup if a page ever writes it unescaped. */
const HOSTILE = `<script>alert("lab")</script><img src=x onerror=alert(1)>`;

const runs: { id: string; data: unknown }[] = [];
let stopProcessor: { close(): Promise<void> } | undefined;

/**
 * Stands in for the stop processor (the jobs package depends on this one):
 * records each run, then fails with an error that quotes the stop's reason,
 * as a CML error quoting a lab title would.
 */
beforeAll(() => {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const processor = new QueueWorker(
    queueName("stop"),
    async (job: Job) => {
      runs.push({ id: job.id ?? "", data: job.data });
      const reason = typeof job.data?.reason === "string" ? job.data.reason : "";
      throw new Error(`CML refused to stop lab ${reason}`);
    },
    { connection, prefix: fleet.settings.redis.keyPrefix },
  );
  processor.on("error", () => undefined);
  stopProcessor = {
    async close() {
      await processor.close();
      await connection.quit();
    },
  };
});
afterAll(() => stopProcessor?.close());

const view = () => `${api.origin}/admin/queues`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (token: string, user = "admin") => ({
  authorization: `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`,
});
/** What the page's own script sends with an action. */
const ACTION_HEADERS = { "content-type": "application/json", "x-cml-fleet-csrf": "1" };

function post(path: string, headers: Record<string, string>) {
  return fetch(`${view()}${path}`, { method: "POST", headers, body: "{}" });
}

async function seedWorker(name: string): Promise<Worker> {
  const worker = aWorker({ name, status: "RUNNING", desiredStatus: "RUNNING" });
  await fleet.workers.insert(worker, [anEvent({ workerId: worker.id, message: "seeded" })]);
  return worker;
}

async function stateOf(id: string): Promise<string | null> {
  const response = await fetch(`${view()}/api/jobs/${encodeURIComponent(id)}`, {
    headers: bearer(fleet.tokens.ADMIN),
  });
  if (response.status === 404) {
    return null;
  }
  return ((await response.json()) as { job: { state: string } }).job.state;
}

/** Asks (through GraphQL, as an ADMIN) to stop a worker with a reason; answers the job id once it has failed. */
async function failedStop(worker: Worker, reason: string): Promise<string> {
  const result = dataOf(
    await gql<{ stopWorker: { job: { id: string } } }>(
      api.url,
      "mutation($id: ID!, $reason: String) { stopWorker(id: $id, reason: $reason) { job { id } } }",
      { token: fleet.tokens.ADMIN, variables: { id: worker.id, reason } },
    ),
  );
  const id = result.stopWorker.job.id;
  await expect.poll(() => stateOf(id), PATIENCE).toBe("failed");
  return id;
}

async function auditOf(operation: string) {
  return (await createAuditRepository(fleet.db.db).list(500)).filter((row) => row.operation === operation);
}

async function terminated(worker: Worker): Promise<void> {
  const current = await fleet.workers.findById(worker.id);
  if (current === null) {
    throw new Error("the seeded worker is gone");
  }
  await fleet.workers.save({ ...current, status: "TERMINATED", desiredStatus: "TERMINATED" }, []);
}

describe("/admin/queues: who may see it", () => {
  // Made by the first test that needs it (expect.poll runs only inside a test).
  let seen: Promise<string> | null = null;
  const failedJob = () => {
    seen ??= seedWorker("seen").then((worker) => failedStop(worker, "end of class"));
    return seen;
  };

  it("asks an anonymous browser for credentials (401 with a Basic challenge) and shows it nothing", async () => {
    const jobId = await failedJob();
    for (const path of ["", "/", "/api/queues", `/api/jobs/${jobId}`, "/assets/view.js"]) {
      const response = await fetch(`${view()}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm="cml-fleet queues"/);
      expect(await response.text()).not.toContain("stop");
    }
  });

  it("refuses a VIEWER and an OPERATOR (403, recorded), whether by Bearer or Basic, and a made-up token (401)", async () => {
    for (const headers of [
      bearer(fleet.tokens.VIEWER),
      bearer(fleet.tokens.OPERATOR),
      basic(fleet.tokens.VIEWER),
    ]) {
      const response = await fetch(view(), { headers });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        errors: [
          { message: expect.stringMatching(/needs the ADMIN role/), extensions: { code: "FORBIDDEN" } },
        ],
      });
    }
    expect(await auditOf("adminQueues")).toContainEqual(
      expect.objectContaining({ actor: "viewer-token", role: "VIEWER", outcome: "FORBIDDEN" }),
    );
    const madeUp = await fetch(view(), { headers: basic("cmlf_made-up") });
    expect(madeUp.status).toBe(401);
    expect(madeUp.headers.get("www-authenticate")).toMatch(/^Basic/);
    // Basic credentials whose password is empty carry no token at all.
    expect((await fetch(view(), { headers: basic("", fleet.tokens.ADMIN) })).status).toBe(401);
  });

  it("shows an ADMIN the queues with their counts and a failed job's data, by Bearer or by Basic with the token as password", async () => {
    const jobId = await failedJob();
    for (const headers of [bearer(fleet.tokens.ADMIN), basic(fleet.tokens.ADMIN, "anyone")]) {
      const page = await fetch(view(), { headers });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
      expect(await page.text()).toContain(`/admin/queues/queue/stop?state=failed`);
    }
    const queues = await fetch(`${view()}/api/queues`, { headers: basic(fleet.tokens.ADMIN) });
    const { queues: summaries } = (await queues.json()) as {
      queues: { kind: string; paused: boolean; counts: Record<string, number> }[];
    };
    expect(summaries.find((summary) => summary.kind === "stop")).toMatchObject({
      paused: false,
      counts: { failed: expect.any(Number), waiting: 0, active: 0, delayed: 0, completed: 0 },
    });
    expect(summaries.find((summary) => summary.kind === "stop")?.counts.failed).toBeGreaterThanOrEqual(1);

    const job = await fetch(`${view()}/api/jobs/${jobId}`, { headers: bearer(fleet.tokens.ADMIN) });
    expect(await job.json()).toMatchObject({
      job: {
        id: jobId,
        kind: "stop",
        state: "failed",
        data: { reason: "end of class" },
        failedReason: "CML refused to stop lab end of class",
        stacktrace: [expect.stringContaining("CML refused to stop lab")],
      },
    });
    const list = await fetch(`${view()}/api/queues/stop/jobs?state=failed`, {
      headers: bearer(fleet.tokens.ADMIN),
    });
    const listed = (await list.json()) as { jobs: { id: string }[] };
    expect(listed.jobs.map((each) => each.id)).toContain(jobId);
  });

  it("refuses parameters and paths that name nothing (BAD_USER_INPUT or NOT_FOUND), reading nothing", async () => {
    const jobId = await failedJob();
    const headers = bearer(fleet.tokens.ADMIN);
    const answer = async (path: string) => {
      const response = await fetch(`${view()}${path}`, { headers });
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      return [response.status, body.errors[0]?.extensions.code];
    };
    expect(await answer("/queue/stop?state=paused-ish")).toEqual([400, "BAD_USER_INPUT"]);
    expect(await answer("/api/queues/stop/jobs?page=-1")).toEqual([400, "BAD_USER_INPUT"]);
    expect(await answer("/api/queues/stop/jobs?page=99999999")).toEqual([400, "BAD_USER_INPUT"]);
    expect(await answer("/api/queues/no-such-kind/jobs")).toEqual([404, "NOT_FOUND"]);
    expect(await answer("/api/jobs/%E0%A4%A")).toEqual([400, "BAD_USER_INPUT"]);
    expect(await answer("/api/jobs/meta")).toEqual([404, "NOT_FOUND"]);
    expect(await answer("/api/jobs/<script>")).toEqual([400, "BAD_USER_INPUT"]);
    expect(await answer("/nowhere")).toEqual([404, "NOT_FOUND"]);
    const wrongMethod = await fetch(`${view()}/api/jobs/${jobId}/retry`, { headers });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });
});

describe("/admin/queues: hostile job data", () => {
  it("shows a lab title or reason holding markup as text, in the page and in the JSON", async () => {
    const id = await failedStop(await seedWorker("hostile"), HOSTILE);
    const page = await fetch(`${view()}/queue/stop?state=failed`, { headers: bearer(fleet.tokens.ADMIN) });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(id);
    // The data and the error (which quotes it) are both there, escaped.
    expect(html).toContain("&lt;script&gt;alert(&quot;lab&quot;)&lt;/script&gt;");
    expect(html).toContain("CML refused to stop lab &lt;script&gt;");
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    // The only script is the view's own, from this server.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/admin/queues/assets/view.js">']);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);

    const json = await fetch(`${view()}/api/jobs/${id}`, { headers: bearer(fleet.tokens.ADMIN) });
    expect(json.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await json.text();
    expect(text).not.toContain("<");
    expect(text).toContain("\\u003cscript\\u003e");
    expect((JSON.parse(text) as { job: { data: { reason: string } } }).job.data.reason).toBe(HOSTILE);
  });
});

describe("/admin/queues: actions", () => {
  it("retries a failed stop as retryJob does: the ADMIN's request, audited; refused (CONFLICT, nothing written) once the worker is TERMINATED", async () => {
    const worker = await seedWorker("retried");
    const id = await failedStop(worker, "nightly");
    const retried = await post(`/api/jobs/${id}/retry`, { ...bearer(fleet.tokens.ADMIN), ...ACTION_HEADERS });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ retried: { id, name: "stop" } });
    await expect.poll(() => runs.filter((run) => run.id === id).length, PATIENCE).toBe(2);
    expect(runs.filter((run) => run.id === id)[1]?.data).toMatchObject({
      actor: { kind: "user", name: "bootstrap-admin" },
      reason: "nightly",
    });
    expect(await auditOf("retryJob")).toContainEqual(
      expect.objectContaining({
        actor: "bootstrap-admin",
        role: "ADMIN",
        outcome: "ok",
        arguments: expect.objectContaining({ id, kind: "stop", workerId: worker.id }),
      }),
    );
    await expect.poll(() => stateOf(id), PATIENCE).toBe("failed");

    await terminated(worker);
    const eventsBefore = await fleet.workers.listEvents(worker.id, 50);
    const auditBefore = await auditOf("retryJob");
    const refused = await post(`/api/jobs/${id}/retry`, { ...basic(fleet.tokens.ADMIN), ...ACTION_HEADERS });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      errors: [{ message: "cannot stop a worker that is TERMINATED", extensions: { code: "CONFLICT" } }],
    });
    expect(await stateOf(id)).toBe("failed");
    expect(runs.filter((run) => run.id === id)).toHaveLength(2);
    expect(await fleet.workers.listEvents(worker.id, 50)).toEqual(eventsBefore);
    expect(await auditOf("retryJob")).toEqual(auditBefore);
  });

  it("refuses actions a cross-site page could send: no JSON or CSRF header, a foreign Origin, Sec-Fetch-Site cross-site", async () => {
    const id = await failedStop(await seedWorker("targeted"), "lunch");
    const admin = basic(fleet.tokens.ADMIN);
    for (const headers of [
      { ...admin, "content-type": "application/x-www-form-urlencoded" },
      { ...admin, "content-type": "text/plain" },
      { ...admin, ...ACTION_HEADERS, origin: "https://evil.example" },
      { ...admin, ...ACTION_HEADERS, "sec-fetch-site": "cross-site" },
      { ...admin, ...ACTION_HEADERS, origin: "null" },
    ]) {
      for (const action of ["retry", "remove"]) {
        const response = await post(`/api/jobs/${id}/${action}`, headers);
        expect(response.status).toBe(403);
        expect(await response.text()).toMatch(/cross-site/);
      }
    }
    expect(await stateOf(id)).toBe("failed");
    expect(runs.filter((run) => run.id === id)).toHaveLength(1);
    // The page's own request (same origin) goes through.
    const sameOrigin = await post(`/api/jobs/${id}/remove`, {
      ...admin,
      ...ACTION_HEADERS,
      origin: api.origin,
      "sec-fetch-site": "same-origin",
    });
    expect(sameOrigin.status).toBe(200);
  });

  it("removes a job for an ADMIN only, with an audit row naming it", async () => {
    const worker = await seedWorker("removed");
    const id = await failedStop(worker, "done");
    const byViewer = await post(`/api/jobs/${id}/remove`, {
      ...bearer(fleet.tokens.VIEWER),
      ...ACTION_HEADERS,
    });
    expect(byViewer.status).toBe(403);
    expect(await stateOf(id)).toBe("failed");

    const removed = await post(`/api/jobs/${id}/remove`, {
      ...bearer(fleet.tokens.ADMIN),
      ...ACTION_HEADERS,
    });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ removed: { id, kind: "stop", state: "failed" } });
    expect(await stateOf(id)).toBeNull();
    expect(await auditOf("removeJob")).toContainEqual(
      expect.objectContaining({
        actor: "bootstrap-admin",
        role: "ADMIN",
        outcome: "ok",
        arguments: { id, kind: "stop", state: "failed", workerId: worker.id },
      }),
    );
    const again = await post(`/api/jobs/${id}/remove`, { ...bearer(fleet.tokens.ADMIN), ...ACTION_HEADERS });
    expect(again.status).toBe(404);
  });

  it("refuses to remove a queued job that carries a worker's accepted request (CONFLICT): the fleet would queue it again", async () => {
    const headers = { ...bearer(fleet.tokens.ADMIN), ...ACTION_HEADERS };
    const worker = await seedWorker("waiting");
    // Paused, the stop queue keeps the job waiting.
    expect((await post("/api/queues/stop/pause", headers)).status).toBe(200);
    try {
      const result = dataOf(
        await gql<{ stopWorker: { job: { id: string } } }>(
          api.url,
          "mutation($id: ID!) { stopWorker(id: $id) { job { id } } }",
          { token: fleet.tokens.ADMIN, variables: { id: worker.id } },
        ),
      );
      const id = result.stopWorker.job.id;
      expect(await stateOf(id)).toBe("waiting");
      // The page offers no remove button for it.
      const page = await fetch(`${view()}/queue/stop?state=waiting`, { headers: bearer(fleet.tokens.ADMIN) });
      const html = await page.text();
      expect(html).toContain(id);
      expect(html).not.toContain(`${id}/remove`);
      const refused = await post(`/api/jobs/${id}/remove`, headers);
      expect(refused.status).toBe(409);
      expect(await refused.json()).toEqual({
        errors: [
          {
            message: expect.stringMatching(/accepted stop request that is still to run/),
            extensions: { code: "CONFLICT" },
          },
        ],
      });
      expect(await stateOf(id)).toBe("waiting");
      expect(await auditOf("removeJob")).not.toContainEqual(
        expect.objectContaining({ arguments: expect.objectContaining({ id }) }),
      );
    } finally {
      expect((await post("/api/queues/stop/resume", headers)).status).toBe(200);
    }
  });

  it("pauses and resumes a queue, audited, and the overview says so", async () => {
    const headers = { ...bearer(fleet.tokens.ADMIN), ...ACTION_HEADERS };
    const paused = await post("/api/queues/price-refresh/pause", headers);
    expect(await paused.json()).toEqual({ queue: "price-refresh", paused: true });
    const pausedOf = async () => {
      const response = await fetch(`${view()}/api/queues`, { headers: bearer(fleet.tokens.ADMIN) });
      const { queues } = (await response.json()) as { queues: { kind: string; paused: boolean }[] };
      return queues.find((queue) => queue.kind === "price-refresh")?.paused;
    };
    expect(await pausedOf()).toBe(true);
    expect(await (await fetch(view(), { headers: bearer(fleet.tokens.ADMIN) })).text()).toMatch(
      /price-refresh<\/a> <span class="paused">paused<\/span>/,
    );
    expect((await post("/api/queues/price-refresh/resume", headers)).status).toBe(200);
    expect(await pausedOf()).toBe(false);
    expect((await auditOf("pauseQueue")).map((row) => row.arguments)).toContainEqual({
      kind: "price-refresh",
    });
    expect((await auditOf("resumeQueue")).map((row) => row.arguments)).toContainEqual({
      kind: "price-refresh",
    });
  });
});

describe("/admin/queues: rate limit", () => {
  it("counts its requests against the API's limit per client: past the burst, 429 with Retry-After", async () => {
    const limited = await startApiServer(
      { ...api.app.deps, edge: { ...api.app.deps.edge, rateLimit: { perMinute: 1, burst: 2 } } },
      { port: 0 },
    );
    try {
      const origin = limited.url.replace(/\/graphql$/, "");
      const statuses: number[] = [];
      for (let request = 0; request < 3; request += 1) {
        const response = await fetch(`${origin}/admin/queues/api/queues`, {
          headers: bearer(fleet.tokens.ADMIN),
        });
        statuses.push(response.status);
        if (response.status === 429) {
          expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          expect(await response.json()).toMatchObject({
            errors: [{ extensions: { code: "QUOTA_EXCEEDED" } }],
          });
        } else {
          await response.arrayBuffer();
        }
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe("/admin/queues: Redis down", () => {
  it("answers UPSTREAM_UNAVAILABLE (503) when the queues' Redis does not answer, and serves the rest of the API", async () => {
    const queues = createQueueInspector({
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      prefix: fleet.prefix,
      logger: silentLogger,
    });
    const server = await startApiServer({ ...api.app.deps, queues }, { port: 0 });
    try {
      const origin = server.url.replace(/\/graphql$/, "");
      const response = await fetch(`${origin}/admin/queues/api/queues`, {
        headers: bearer(fleet.tokens.ADMIN),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        errors: [
          {
            message: expect.stringMatching(/Redis does not answer/),
            extensions: { code: "UPSTREAM_UNAVAILABLE" },
          },
        ],
      });
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
      await queues.close();
    }
  });
});
